namespace Spotable.Common.Kubernetes;

/// <summary>
/// The bearer token sent with every request. The client asks again with <c>forceRefresh</c> after a 401, so a
/// provider that caches a rotating token can re-read it at once instead of at its next refresh.
/// </summary>
public interface IKubernetesTokenProvider
{
    ValueTask<string> GetTokenAsync(bool forceRefresh, CancellationToken cancellationToken);
}
