using System.Text.RegularExpressions;

namespace Spotable.Common.Aws;

/// <summary>
/// Which region to sign for: <c>AWS_REGION</c>, then <c>AWS_DEFAULT_REGION</c>, then the region in the queue URL,
/// then a caller-supplied lookup (the instance metadata's <c>placement/region</c>), else a clear error.
/// </summary>
public static partial class AwsRegionResolver
{
    /// <summary><c>AWS_REGION</c>, else <c>AWS_DEFAULT_REGION</c>; blank values count as unset.</summary>
    public static string? FromEnvironment(Func<string, string?> getEnvironmentVariable)
    {
        ArgumentNullException.ThrowIfNull(getEnvironmentVariable);
        return Normalize(getEnvironmentVariable("AWS_REGION")) ?? Normalize(getEnvironmentVariable("AWS_DEFAULT_REGION"));
    }

    /// <summary>
    /// The region in an SQS queue URL: <c>https://sqs.&lt;region&gt;.amazonaws.com/&lt;account&gt;/&lt;name&gt;</c>
    /// (also <c>.amazonaws.com.cn</c>), the legacy <c>https://&lt;region&gt;.queue.amazonaws.com/...</c>, or the oldest
    /// <c>https://queue.amazonaws.com/...</c> (us-east-1). Null for anything else, local emulators included.
    /// </summary>
    public static string? FromQueueUrl(string? queueUrl)
    {
        if (string.IsNullOrWhiteSpace(queueUrl) || !Uri.TryCreate(queueUrl.Trim(), UriKind.Absolute, out var uri))
        {
            return null;
        }

        var host = uri.Host.ToLowerInvariant();
        if (host is "queue.amazonaws.com")
        {
            return "us-east-1";
        }

        var match = QueueHostPattern().Match(host);
        return match.Success ? match.Groups["region"].Value : null;
    }

    /// <summary>Resolves the region in the documented order.</summary>
    /// <param name="configuredRegion">An explicit region (options or <see cref="FromEnvironment"/>); wins when set.</param>
    /// <param name="queueUrl">The queue URL, if known.</param>
    /// <param name="fallback">Last resort, e.g. instance metadata; may return null.</param>
    /// <exception cref="AwsConfigurationException">No source knows the region, or a source gave a malformed one.</exception>
    public static async Task<string> ResolveAsync(
        string? configuredRegion,
        string? queueUrl,
        Func<CancellationToken, Task<string?>>? fallback,
        CancellationToken cancellationToken)
    {
        var region = Normalize(configuredRegion) ?? FromQueueUrl(queueUrl);
        if (region is null && fallback is not null)
        {
            region = Normalize(await fallback(cancellationToken));
        }

        if (region is null)
        {
            throw new AwsConfigurationException(
                "No AWS region: set AWS_REGION (or AWS_DEFAULT_REGION), or use a queue URL like "
                + "https://sqs.<region>.amazonaws.com/<account>/<queue>, or run on EC2 where instance metadata gives it.");
        }

        return Validate(region);
    }

    /// <summary>Rejects values that cannot be a region (they end up in a signed header and a host name).</summary>
    public static string Validate(string region)
    {
        ArgumentNullException.ThrowIfNull(region);
        if (!RegionPattern().IsMatch(region))
        {
            throw new AwsConfigurationException($"'{region}' is not an AWS region name (expected something like eu-west-1).");
        }

        return region;
    }

    private static string? Normalize(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim().ToLowerInvariant();

    [GeneratedRegex(@"^(?:sqs\.(?<region>[a-z0-9-]+)\.amazonaws\.com(?:\.cn)?|(?<region>[a-z0-9-]+)\.queue\.amazonaws\.com(?:\.cn)?)$", RegexOptions.CultureInvariant)]
    private static partial Regex QueueHostPattern();

    [GeneratedRegex(@"^[a-z0-9]+(?:-[a-z0-9]+)*$", RegexOptions.CultureInvariant)]
    private static partial Regex RegionPattern();
}
