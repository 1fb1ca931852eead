namespace Spotable.Common.Kubernetes;

/// <summary>
/// 429: the API server is shedding load (priority and fairness), or, from an eviction, a PodDisruptionBudget allows
/// no disruption right now (the eviction call does not retry that one: the caller decides). See
/// <see cref="KubernetesApiException.RetryAfter"/> for the server's hint.
/// </summary>
public sealed class KubernetesTooManyRequestsException : KubernetesApiException
{
    public KubernetesTooManyRequestsException()
        : this("The Kubernetes API asked to retry later.")
    {
    }

    public KubernetesTooManyRequestsException(string message)
        : base(message, 429, "TooManyRequests", status: null)
    {
    }

    public KubernetesTooManyRequestsException(string message, Exception innerException)
        : base(message, 429, "TooManyRequests", status: null, innerException)
    {
    }

    public KubernetesTooManyRequestsException(string message, KubeStatus? status, TimeSpan? retryAfter)
        : base(message, 429, status?.Reason ?? "TooManyRequests", status)
    {
        RetryAfter = retryAfter;
    }
}
