using System.Globalization;

namespace Spotable.Common.Aws;

/// <summary>
/// Where to send a service's requests: <c>AWS_ENDPOINT_URL_&lt;SERVICE&gt;</c>, then <c>AWS_ENDPOINT_URL</c> (the SDKs'
/// own variables, https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html), then the queue URL's
/// scheme, host and port, then the regional endpoint.
/// </summary>
public static class AwsEndpointResolver
{
    /// <summary>
    /// <c>AWS_ENDPOINT_URL_&lt;serviceId&gt;</c>, else <c>AWS_ENDPOINT_URL</c>; none when
    /// <c>AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true</c>.
    /// </summary>
    /// <param name="getEnvironmentVariable">Environment lookup.</param>
    /// <param name="serviceId">The variable suffix, e.g. <c>SQS</c>.</param>
    /// <exception cref="AwsConfigurationException">The variable is set but is not an absolute http(s) URL.</exception>
    public static Uri? FromEnvironment(Func<string, string?> getEnvironmentVariable, string serviceId)
    {
        ArgumentNullException.ThrowIfNull(getEnvironmentVariable);
        ArgumentException.ThrowIfNullOrEmpty(serviceId);
        if (string.Equals(getEnvironmentVariable("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")?.Trim(), "true", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var serviceVariable = "AWS_ENDPOINT_URL_" + serviceId.ToUpperInvariant();
        foreach (var variable in new[] { serviceVariable, "AWS_ENDPOINT_URL" })
        {
            var value = getEnvironmentVariable(variable);
            if (!string.IsNullOrWhiteSpace(value))
            {
                return ParseEndpoint(value, variable);
            }
        }

        return null;
    }

    /// <summary>Resolves the SQS endpoint in the documented order.</summary>
    /// <param name="configured">An explicit endpoint (options or <see cref="FromEnvironment"/>).</param>
    /// <param name="queueUrl">A queue URL: its scheme, host and port serve AWS and local emulators alike.</param>
    /// <param name="region">The signing region, for the regional default.</param>
    public static Uri ResolveSqs(Uri? configured, string? queueUrl, string region)
    {
        ArgumentException.ThrowIfNullOrEmpty(region);
        if (configured is not null)
        {
            return configured;
        }

        if (!string.IsNullOrWhiteSpace(queueUrl)
            && Uri.TryCreate(queueUrl.Trim(), UriKind.Absolute, out var queue)
            && (queue.Scheme == Uri.UriSchemeHttps || queue.Scheme == Uri.UriSchemeHttp))
        {
            var host = queue.Host;

            // RFC 6761 reserves *.localhost for loopback, and emulators such as fauxqs hand out
            // http://sqs.<region>.localhost:<port>/... URLs, but the resolver here does not map the subdomains.
            if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
                || host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase))
            {
                host = "127.0.0.1";
            }

            return new UriBuilder(queue.Scheme, host, queue.Port).Uri;
        }

        return new Uri(string.Create(CultureInfo.InvariantCulture, $"https://sqs.{region}.{DnsSuffix(region)}/"));
    }

    /// <summary>The partition's DNS suffix: China regions live under amazonaws.com.cn.</summary>
    public static string DnsSuffix(string region)
    {
        ArgumentNullException.ThrowIfNull(region);
        return region.StartsWith("cn-", StringComparison.Ordinal) ? "amazonaws.com.cn" : "amazonaws.com";
    }

    /// <exception cref="AwsConfigurationException">Not an absolute http(s) URL.</exception>
    public static Uri ParseEndpoint(string value, string source)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (!Uri.TryCreate(value.Trim(), UriKind.Absolute, out var uri)
            || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp)
            || uri.Host.Length == 0)
        {
            throw new AwsConfigurationException($"{source}='{value}' is not an http(s) URL such as https://sqs.eu-west-1.amazonaws.com.");
        }

        return uri;
    }
}
