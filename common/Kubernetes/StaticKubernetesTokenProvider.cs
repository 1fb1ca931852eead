namespace Spotable.Common.Kubernetes;

/// <summary>A token that never changes (a kubeconfig's <c>token</c>).</summary>
public sealed class StaticKubernetesTokenProvider : IKubernetesTokenProvider
{
    private readonly string _token;

    public StaticKubernetesTokenProvider(string token)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(token);
        _token = token.Trim();
    }

    public ValueTask<string> GetTokenAsync(bool forceRefresh, CancellationToken cancellationToken) => ValueTask.FromResult(_token);
}
