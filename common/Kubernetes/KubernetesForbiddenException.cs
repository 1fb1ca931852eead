namespace Spotable.Common.Kubernetes;

/// <summary>403: authenticated, but RBAC does not allow this verb on this resource; the message names the missing permission.</summary>
public sealed class KubernetesForbiddenException : KubernetesApiException
{
    public KubernetesForbiddenException()
        : this("The Kubernetes API refused the request (RBAC).")
    {
    }

    public KubernetesForbiddenException(string message)
        : base(message, 403, "Forbidden", status: null)
    {
    }

    public KubernetesForbiddenException(string message, Exception innerException)
        : base(message, 403, "Forbidden", status: null, innerException)
    {
    }

    public KubernetesForbiddenException(string message, KubeStatus? status)
        : base(message, 403, status?.Reason ?? "Forbidden", status)
    {
    }
}
