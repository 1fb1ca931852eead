namespace Spotable.Common.Kubernetes;

/// <summary>409: a stale <c>resourceVersion</c>, a failed UID precondition, or (reason <c>AlreadyExists</c>) a create of an existing name.</summary>
public sealed class KubernetesConflictException : KubernetesApiException
{
    public KubernetesConflictException()
        : this("The Kubernetes object changed or already exists.")
    {
    }

    public KubernetesConflictException(string message)
        : base(message, 409, "Conflict", status: null)
    {
    }

    public KubernetesConflictException(string message, Exception innerException)
        : base(message, 409, "Conflict", status: null, innerException)
    {
    }

    public KubernetesConflictException(string message, KubeStatus? status)
        : base(message, 409, status?.Reason ?? "Conflict", status)
    {
    }
}
