namespace Spotable.Common.Kubernetes;

/// <summary>404: the object (or its namespace) does not exist.</summary>
public sealed class KubernetesNotFoundException : KubernetesApiException
{
    public KubernetesNotFoundException()
        : this("The Kubernetes object was not found.")
    {
    }

    public KubernetesNotFoundException(string message)
        : base(message, 404, "NotFound", status: null)
    {
    }

    public KubernetesNotFoundException(string message, Exception innerException)
        : base(message, 404, "NotFound", status: null, innerException)
    {
    }

    public KubernetesNotFoundException(string message, KubeStatus? status)
        : base(message, 404, status?.Reason ?? "NotFound", status)
    {
    }
}
