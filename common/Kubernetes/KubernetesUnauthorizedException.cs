namespace Spotable.Common.Kubernetes;

/// <summary>401: the credentials were not accepted (a bearer token that was re-read and still refused, an expired client certificate).</summary>
public sealed class KubernetesUnauthorizedException : KubernetesApiException
{
    public KubernetesUnauthorizedException()
        : this("The Kubernetes API did not accept the credentials.")
    {
    }

    public KubernetesUnauthorizedException(string message)
        : base(message, 401, "Unauthorized", status: null)
    {
    }

    public KubernetesUnauthorizedException(string message, Exception innerException)
        : base(message, 401, "Unauthorized", status: null, innerException)
    {
    }

    public KubernetesUnauthorizedException(string message, KubeStatus? status)
        : base(message, 401, status?.Reason ?? "Unauthorized", status)
    {
    }
}
