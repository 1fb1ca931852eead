using System.Globalization;
using Spotable.Common.Aws;

using Spotable.Common.Configuration;

namespace Spotable.Common.Sqs;

/// <summary>
/// How <see cref="SqsClient"/> reaches SQS. Region: <see cref="Region"/>, else the queue URL's, else the caller's
/// fallback (instance metadata). Endpoint: <see cref="Endpoint"/>, else the queue URL's scheme/host/port, else
/// <c>https://sqs.&lt;region&gt;.amazonaws.com</c>.
/// </summary>
public sealed class SqsClientOptions
{
    public const string QueueUrlVariable = "SPOTABLE_QUEUE_URL";
    public const string RequestTimeoutVariable = "SPOTABLE_SQS_REQUEST_TIMEOUT";
    public const string MaxRetryAttemptsVariable = "SPOTABLE_SQS_MAX_RETRY_ATTEMPTS";

    /// <summary>The queue Spotable publishes to, when known up front; it also tells the region and endpoint.</summary>
    public string? QueueUrl { get; set; }

    /// <summary>The signing region.</summary>
    public string? Region { get; set; }

    /// <summary>An explicit endpoint (a local emulator, a VPC endpoint, a FIPS endpoint).</summary>
    public Uri? Endpoint { get; set; }

    /// <summary>One attempt's limit (receive calls get their long-poll wait on top). <see cref="Timeout.InfiniteTimeSpan"/> disables it.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Retries after the first attempt, for transient failures only. 0 disables retrying.</summary>
    public int MaxRetryAttempts { get; set; } = 3;

    /// <summary>The first retry's delay; later ones grow exponentially, with jitter, up to <see cref="RetryMaxDelay"/>.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Reads <c>SPOTABLE_QUEUE_URL</c>, <c>AWS_REGION</c>/<c>AWS_DEFAULT_REGION</c>,
    /// <c>AWS_ENDPOINT_URL_SQS</c>/<c>AWS_ENDPOINT_URL</c>, <c>SPOTABLE_SQS_REQUEST_TIMEOUT</c> (<c>10</c>, <c>10s</c>,
    /// <c>500ms</c>, <c>1m</c>) and <c>SPOTABLE_SQS_MAX_RETRY_ATTEMPTS</c>.
    /// </summary>
    /// <exception cref="AwsConfigurationException">A variable is set to something unusable; the message names it.</exception>
    public static SqsClientOptions FromEnvironment(Func<string, string?> getEnvironmentVariable)
    {
        ArgumentNullException.ThrowIfNull(getEnvironmentVariable);
        var options = new SqsClientOptions
        {
            QueueUrl = NullIfBlank(getEnvironmentVariable(QueueUrlVariable)),
            Region = AwsRegionResolver.FromEnvironment(getEnvironmentVariable),
            Endpoint = AwsEndpointResolver.FromEnvironment(getEnvironmentVariable, "SQS"),
        };

        if (NullIfBlank(getEnvironmentVariable(RequestTimeoutVariable)) is { } timeout)
        {
            options.RequestTimeout = Duration.TryParse(timeout, out var value) && value > TimeSpan.Zero
                ? value
                : throw new AwsConfigurationException($"{RequestTimeoutVariable}='{timeout}' is not a positive duration such as 10s or 500ms.");
        }

        if (NullIfBlank(getEnvironmentVariable(MaxRetryAttemptsVariable)) is { } retries)
        {
            options.MaxRetryAttempts = int.TryParse(retries, NumberStyles.None, CultureInfo.InvariantCulture, out var count) && count <= 100
                ? count
                : throw new AwsConfigurationException($"{MaxRetryAttemptsVariable}='{retries}' is not a number from 0 to 100.");
        }

        options.Validate();
        return options;
    }

    /// <exception cref="AwsConfigurationException">A value is out of range; the message names it.</exception>
    public void Validate()
    {
        if (RequestTimeout <= TimeSpan.Zero && RequestTimeout != Timeout.InfiniteTimeSpan)
        {
            throw new AwsConfigurationException($"SQS RequestTimeout must be positive (was {RequestTimeout}).");
        }

        if (MaxRetryAttempts is < 0 or > 100)
        {
            throw new AwsConfigurationException($"SQS MaxRetryAttempts must be 0-100 (was {MaxRetryAttempts}).");
        }

        if (RetryBaseDelay < TimeSpan.Zero || RetryMaxDelay < RetryBaseDelay)
        {
            throw new AwsConfigurationException($"SQS retry delays must satisfy 0 <= RetryBaseDelay <= RetryMaxDelay (were {RetryBaseDelay}, {RetryMaxDelay}).");
        }

        if (Region is not null)
        {
            AwsRegionResolver.Validate(Region);
        }

        if (Endpoint is not null)
        {
            AwsEndpointResolver.ParseEndpoint(Endpoint.OriginalString, "SQS Endpoint");
        }

        if (QueueUrl is not null && !Uri.TryCreate(QueueUrl, UriKind.Absolute, out _))
        {
            throw new AwsConfigurationException($"SQS QueueUrl '{QueueUrl}' is not an absolute URL.");
        }
    }

    private static string? NullIfBlank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
