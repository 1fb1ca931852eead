namespace Spotable.Common.Kubernetes;

/// <summary>
/// A token read from a file that is rewritten as it rotates: the projected service-account token (kubelet renews it
/// well before its one-hour expiry) or a kubeconfig's <c>tokenFile</c>. Cached and re-read at most once per
/// <see cref="RefreshInterval"/>, as client-go does, and at once when the client asks after a 401.
/// </summary>
public sealed class FileKubernetesTokenProvider : IKubernetesTokenProvider
{
    public static readonly TimeSpan DefaultRefreshInterval = TimeSpan.FromMinutes(1);

    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private string? _token;
    private long _readAt;

    public FileKubernetesTokenProvider(string path, TimeProvider? timeProvider = null, TimeSpan? refreshInterval = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (refreshInterval is { } interval)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(interval, TimeSpan.Zero, nameof(refreshInterval));
        }

        Path = path;
        RefreshInterval = refreshInterval ?? DefaultRefreshInterval;
        _time = timeProvider ?? TimeProvider.System;
    }

    public string Path { get; }

    public TimeSpan RefreshInterval { get; }

    /// <exception cref="KubernetesConfigurationException">The file cannot be read (or is empty) and no earlier read succeeded.</exception>
    public async ValueTask<string> GetTokenAsync(bool forceRefresh, CancellationToken cancellationToken)
    {
        string? cached;
        long readAt;
        lock (_gate)
        {
            cached = _token;
            readAt = _readAt;
        }

        if (!forceRefresh && cached is not null && _time.GetElapsedTime(readAt) < RefreshInterval)
        {
            return cached;
        }

        string text;
        try
        {
            text = (await File.ReadAllTextAsync(Path, cancellationToken)).Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // kubelet swaps the projected token in atomically, so a failed read is a remount or a permission slip:
            // keep sending the last good token (it is valid for a while yet) and read again on the next request.
            return cached ?? throw new KubernetesConfigurationException($"Cannot read the Kubernetes bearer token from {Path}: {e.Message}", e);
        }

        if (text.Length == 0)
        {
            return cached ?? throw new KubernetesConfigurationException($"The Kubernetes bearer token file {Path} is empty.");
        }

        lock (_gate)
        {
            _token = text;
            _readAt = _time.GetTimestamp();
        }

        return text;
    }
}
