namespace Spotable.Common.Kubernetes;

/// <summary>
/// No answer from the API server: the connection or TLS handshake failed (<see cref="Exception.InnerException"/> is
/// the <see cref="HttpRequestException"/>), or no reply arrived within the request timeout (<see cref="IsTimeout"/>).
/// <see cref="KubernetesApiException.StatusCode"/> is 0.
/// </summary>
public sealed class KubernetesConnectionException : KubernetesApiException
{
    public KubernetesConnectionException()
        : this("The Kubernetes API server could not be reached.")
    {
    }

    public KubernetesConnectionException(string message)
        : base(message, 0, reason: null, status: null)
    {
    }

    public KubernetesConnectionException(string message, Exception innerException)
        : base(message, 0, reason: null, status: null, innerException)
    {
    }

    public KubernetesConnectionException(string message, bool isTimeout, Exception? innerException)
        : base(message, 0, isTimeout ? "Timeout" : null, status: null, innerException)
    {
        IsTimeout = isTimeout;
    }

    public bool IsTimeout { get; }
}
