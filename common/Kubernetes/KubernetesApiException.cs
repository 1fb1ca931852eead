namespace Spotable.Common.Kubernetes;

/// <summary>
/// A Kubernetes API call failed. <see cref="StatusCode"/> is the HTTP status (0 when no answer arrived, see
/// <see cref="KubernetesConnectionException"/>), <see cref="Reason"/> the meta/v1 Status reason (<c>NotFound</c>,
/// <c>AlreadyExists</c>, <c>Conflict</c>, <c>Invalid</c>, <c>TooManyRequests</c>, ...) and <see cref="Status"/> the
/// decoded Status body when the server sent one. Transient failures have already been retried when this is thrown.
/// </summary>
public class KubernetesApiException : Exception
{
    public KubernetesApiException()
        : this("The Kubernetes API request failed.")
    {
    }

    public KubernetesApiException(string message)
        : base(message)
    {
    }

    public KubernetesApiException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public KubernetesApiException(string message, int statusCode, string? reason, KubeStatus? status, Exception? innerException = null)
        : base(message, innerException)
    {
        StatusCode = statusCode;
        Reason = reason;
        Status = status;
    }

    public int StatusCode { get; }

    public string? Reason { get; }

    public KubeStatus? Status { get; }

    /// <summary>
    /// The server's hint when to try again (the <c>Retry-After</c> header, else <c>details.retryAfterSeconds</c>), as
    /// sent: the client's own waits are capped, this value is not. Set on 429s and on the 5xx that carry one.
    /// </summary>
    public TimeSpan? RetryAfter { get; init; }
}
