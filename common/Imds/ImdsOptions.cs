namespace Spotable.Common.Imds;

/// <summary>
/// Where and how to reach the EC2 instance metadata service. Setters validate, so an invalid value fails at
/// configuration time with one clear line instead of on the first read.
/// </summary>
public sealed class ImdsOptions
{
    public static readonly Uri DefaultEndpoint = new("http://169.254.169.254");
    public static readonly TimeSpan MinTokenTtl = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan MaxTokenTtl = TimeSpan.FromSeconds(21600);

    public Uri Endpoint
    {
        get;
        set => field = ValidateEndpoint(value, nameof(Endpoint));
    } = DefaultEndpoint;

    /// <summary>When true every call throws <see cref="ImdsUnavailableException"/> without any network I/O.</summary>
    public bool Disabled { get; set; }

    /// <summary>Whole seconds, 1 s to 6 h: the range the token service accepts (outside it answers 400).</summary>
    public TimeSpan TokenTtl
    {
        get;
        set
        {
            if (value < MinTokenTtl || value > MaxTokenTtl || value.Ticks % TimeSpan.TicksPerSecond != 0)
            {
                throw new ArgumentOutOfRangeException(
                    nameof(TokenTtl), value, $"IMDS token TTL must be whole seconds between {MinTokenTtl.TotalSeconds:0} and {MaxTokenTtl.TotalSeconds:0}.");
            }

            field = value;
        }
    } = TimeSpan.FromHours(6);

    /// <summary>
    /// Bound on each HTTP request. Short on purpose: IMDS answers in milliseconds on EC2, and off AWS
    /// (a laptop, CI, another cloud) the link-local address black-holes, so callers must give up fast and fall back.
    /// </summary>
    public TimeSpan RequestTimeout
    {
        get;
        set
        {
            if (value <= TimeSpan.Zero || value > TimeSpan.FromMinutes(5))
            {
                throw new ArgumentOutOfRangeException(nameof(RequestTimeout), value, "IMDS request timeout must be greater than zero and at most 5 minutes.");
            }

            field = value;
        }
    } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Whether reads may go out without a token (IMDSv1) when the token endpoint says it does not exist
    /// (404/405, e.g. an old metadata emulator). Nothing else falls back: a 5xx or 429 is a transient failure of a
    /// token service that does exist, 403 means IMDS is disabled, and a timeout means IMDS is unreachable, so an
    /// unauthenticated read would only add a second timeout. (AWS SDKs also fall back on a PUT timeout because a pod
    /// beyond the PUT hop limit never sees the answer; Spotable's pods use hostNetwork instead, see field notes.)
    /// When false, no request without a token is ever sent.
    /// </summary>
    public bool AllowV1Fallback { get; set; } = true;

    /// <summary>
    /// Reads the variables the AWS SDKs honour: AWS_EC2_METADATA_SERVICE_ENDPOINT, AWS_EC2_METADATA_DISABLED and
    /// AWS_EC2_METADATA_V1_DISABLED (only the value "true", any case, switches a flag on, as in the SDKs).
    /// </summary>
    public static ImdsOptions FromEnvironment(Func<string, string?> getEnv)
    {
        ArgumentNullException.ThrowIfNull(getEnv);
        var options = new ImdsOptions
        {
            Disabled = IsTrue(getEnv("AWS_EC2_METADATA_DISABLED")),
            AllowV1Fallback = !IsTrue(getEnv("AWS_EC2_METADATA_V1_DISABLED")),
        };

        var endpoint = getEnv("AWS_EC2_METADATA_SERVICE_ENDPOINT");
        if (!string.IsNullOrWhiteSpace(endpoint))
        {
            if (!Uri.TryCreate(endpoint.Trim(), UriKind.Absolute, out var uri))
            {
                throw new ArgumentException(
                    $"AWS_EC2_METADATA_SERVICE_ENDPOINT '{endpoint}' is not an absolute URI such as http://169.254.169.254.", nameof(getEnv));
            }

            options.Endpoint = ValidateEndpoint(uri, "AWS_EC2_METADATA_SERVICE_ENDPOINT");
        }

        return options;
    }

    private static bool IsTrue(string? value) => string.Equals(value?.Trim(), "true", StringComparison.OrdinalIgnoreCase);

    private static Uri ValidateEndpoint(Uri? value, string name)
    {
        if (value is null || !value.IsAbsoluteUri)
        {
            throw new ArgumentException($"{name} must be an absolute http(s) URI such as http://169.254.169.254.", name);
        }

        if (value.Scheme != Uri.UriSchemeHttp && value.Scheme != Uri.UriSchemeHttps)
        {
            throw new ArgumentException($"{name} '{value}' must use http or https.", name);
        }

        if (!string.IsNullOrEmpty(value.Query) || !string.IsNullOrEmpty(value.Fragment) || !string.IsNullOrEmpty(value.UserInfo))
        {
            throw new ArgumentException($"{name} '{value}' must not carry a query, fragment or user info.", name);
        }

        return value;
    }
}
