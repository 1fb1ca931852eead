namespace Spotable.Common.Kubernetes;

/// <summary>422: the server rejected the object or patch as invalid; <see cref="KubernetesApiException.Status"/> names the fields.</summary>
public sealed class KubernetesInvalidException : KubernetesApiException
{
    public KubernetesInvalidException()
        : this("The Kubernetes API rejected the request as invalid.")
    {
    }

    public KubernetesInvalidException(string message)
        : base(message, 422, "Invalid", status: null)
    {
    }

    public KubernetesInvalidException(string message, Exception innerException)
        : base(message, 422, "Invalid", status: null, innerException)
    {
    }

    public KubernetesInvalidException(string message, KubeStatus? status)
        : base(message, 422, status?.Reason ?? "Invalid", status)
    {
    }
}
