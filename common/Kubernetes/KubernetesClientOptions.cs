namespace Spotable.Common.Kubernetes;

/// <summary>Timeouts and retries of <see cref="KubernetesClient"/>; where the server is lives in <see cref="KubernetesClientConfiguration"/>.</summary>
public sealed class KubernetesClientOptions
{
    /// <summary>One attempt's limit, connect to last byte. <see cref="Timeout.InfiniteTimeSpan"/> disables it.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Retries after the first attempt, for transient failures only (5xx but 501, 429, transport errors, timeouts). 0 disables retrying.</summary>
    public int MaxRetryAttempts { get; set; } = 4;

    /// <summary>The first retry's delay; later ones grow exponentially, with jitter, up to <see cref="RetryMaxDelay"/>.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The longest wait a server's Retry-After buys. The agent works against a two-minute Spot notice, so a long hint
    /// is cut short here and the caller's own deadline decides; the exception still carries the server's value.
    /// </summary>
    public TimeSpan MaxRetryAfter { get; set; } = TimeSpan.FromSeconds(5);

    /// <exception cref="KubernetesConfigurationException">A value is out of range; the message names it.</exception>
    public void Validate()
    {
        if (RequestTimeout <= TimeSpan.Zero && RequestTimeout != Timeout.InfiniteTimeSpan)
        {
            throw new KubernetesConfigurationException($"Kubernetes RequestTimeout must be positive (was {RequestTimeout}).");
        }

        if (MaxRetryAttempts is < 0 or > 100)
        {
            throw new KubernetesConfigurationException($"Kubernetes MaxRetryAttempts must be 0-100 (was {MaxRetryAttempts}).");
        }

        if (RetryBaseDelay < TimeSpan.Zero || RetryMaxDelay < RetryBaseDelay)
        {
            throw new KubernetesConfigurationException($"Kubernetes retry delays must satisfy 0 <= RetryBaseDelay <= RetryMaxDelay (were {RetryBaseDelay}, {RetryMaxDelay}).");
        }

        if (MaxRetryAfter < TimeSpan.Zero)
        {
            throw new KubernetesConfigurationException($"Kubernetes MaxRetryAfter must not be negative (was {MaxRetryAfter}).");
        }
    }

    internal KubernetesClientOptions Copy() => new()
    {
        RequestTimeout = RequestTimeout,
        MaxRetryAttempts = MaxRetryAttempts,
        RetryBaseDelay = RetryBaseDelay,
        RetryMaxDelay = RetryMaxDelay,
        MaxRetryAfter = MaxRetryAfter,
    };
}
