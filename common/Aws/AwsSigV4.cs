using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Spotable.Common.Aws;

/// <summary>
/// AWS Signature Version 4 for plain HTTP calls (SQS JSON, Auto Scaling query API) without the service packages.
/// We build the canonical request (https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html);
/// the key derivation and HMAC come from AWSSDK.Core through <see cref="AwsSdk"/>. Covered by the documentation's
/// published examples in the tests.
/// </summary>
public static class AwsSigV4
{
    public const string Algorithm = "AWS4-HMAC-SHA256";

    /// <summary>SHA-256 of the empty string, the payload hash of a request without a body.</summary>
    public const string EmptyPayloadSha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    public static string PayloadHash(ReadOnlySpan<byte> payload) => Convert.ToHexStringLower(SHA256.HashData(payload));

    /// <summary>
    /// Signs a request. <paramref name="headers"/> are the headers to sign besides <c>host</c> (taken from
    /// <paramref name="uri"/> unless given), <c>x-amz-date</c> (from <paramref name="signedAt"/>) and
    /// <c>x-amz-security-token</c> (when the credentials have a token); every header passed is signed, so pass
    /// only those the request will carry unchanged (content-type, x-amz-target, ...).
    /// </summary>
    public static AwsSignature Sign(
        HttpMethod method,
        Uri uri,
        IEnumerable<KeyValuePair<string, string>> headers,
        string payloadSha256Hex,
        AwsCredentials credentials,
        string region,
        string service,
        DateTimeOffset signedAt)
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(uri);
        ArgumentNullException.ThrowIfNull(headers);
        ArgumentNullException.ThrowIfNull(credentials);
        ArgumentException.ThrowIfNullOrEmpty(payloadSha256Hex);
        ArgumentException.ThrowIfNullOrEmpty(region);
        ArgumentException.ThrowIfNullOrEmpty(service);
        if (!uri.IsAbsoluteUri)
        {
            throw new ArgumentException("The request URI must be absolute.", nameof(uri));
        }

        // Whole seconds: x-amz-date has no fraction, and the SDK derives the scope date from this same instant.
        var utc = signedAt.UtcDateTime;
        utc = new DateTime(utc.Ticks - (utc.Ticks % TimeSpan.TicksPerSecond), DateTimeKind.Utc);
        var amzDate = utc.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);

        var canonicalHeaders = new SortedDictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var (name, value) in headers)
        {
            var key = name.Trim().ToLowerInvariant();
            if (key is "authorization" or "x-amz-date" or "x-amz-security-token")
            {
                continue;
            }

            if (!canonicalHeaders.TryGetValue(key, out var values))
            {
                canonicalHeaders[key] = values = [];
            }

            values.Add(CanonicalHeaderValue(value));
        }

        if (!canonicalHeaders.ContainsKey("host"))
        {
            canonicalHeaders["host"] = [HostHeader(uri)];
        }

        canonicalHeaders["x-amz-date"] = [amzDate];
        if (credentials.SessionToken is { Length: > 0 } token)
        {
            canonicalHeaders["x-amz-security-token"] = [token];
        }

        var signedHeaders = string.Join(';', canonicalHeaders.Keys);
        var canonical = new StringBuilder(256)
            .Append(method.Method.ToUpperInvariant()).Append('\n')
            .Append(CanonicalUri(uri)).Append('\n')
            .Append(CanonicalQuery(uri)).Append('\n');
        foreach (var (name, values) in canonicalHeaders)
        {
            canonical.Append(name).Append(':').AppendJoin(',', values).Append('\n');
        }

        canonical.Append('\n').Append(signedHeaders).Append('\n').Append(payloadSha256Hex.ToLowerInvariant());
        var canonicalRequest = canonical.ToString();

        var (authorization, signature) = AwsSdk.ComputeAuthorization(credentials, region, utc, service, signedHeaders, canonicalRequest);
        return new AwsSignature(authorization, amzDate, signedHeaders, credentials.SessionToken is { Length: > 0 } ? credentials.SessionToken : null)
        {
            CanonicalRequest = canonicalRequest,
            Signature = signature,
        };
    }

    /// <summary>The Host header a client sends for <paramref name="uri"/>: the port only when it is not the scheme's default.</summary>
    public static string HostHeader(Uri uri)
    {
        ArgumentNullException.ThrowIfNull(uri);
        // IdnHost drops an IPv6 literal's brackets; the Host header keeps them.
        var host = uri.HostNameType == UriHostNameType.IPv6 ? uri.Host : uri.IdnHost;
        return uri.IsDefaultPort ? host : host + ":" + uri.Port.ToString(CultureInfo.InvariantCulture);
    }

    // Trim, and collapse inner runs of spaces to one (the spec's "Trimall"; quoted strings get no special case).
    private static string CanonicalHeaderValue(string value)
    {
        var trimmed = value.Trim();
        if (!trimmed.Contains("  ", StringComparison.Ordinal) && !trimmed.Contains('\t', StringComparison.Ordinal))
        {
            return trimmed;
        }

        var builder = new StringBuilder(trimmed.Length);
        var lastWasSpace = false;
        foreach (var c in trimmed)
        {
            var isSpace = c is ' ' or '\t';
            if (isSpace && lastWasSpace)
            {
                continue;
            }

            builder.Append(isSpace ? ' ' : c);
            lastWasSpace = isSpace;
        }

        return builder.ToString();
    }

    // Every service but S3 encodes each path segment twice; the Uri already holds it encoded once, so decoding then
    // encoding twice normalises "%7e" and "~" alike.
    private static string CanonicalUri(Uri uri)
    {
        var path = uri.AbsolutePath;
        if (path.Length == 0 || path == "/")
        {
            return "/";
        }

        var segments = path.Split('/');
        for (var i = 0; i < segments.Length; i++)
        {
            segments[i] = Uri.EscapeDataString(Uri.EscapeDataString(Uri.UnescapeDataString(segments[i])));
        }

        return string.Join('/', segments);
    }

    private static string CanonicalQuery(Uri uri)
    {
        var query = uri.Query;
        if (query.Length <= 1)
        {
            return "";
        }

        var pairs = new List<(string Name, string Value)>();
        foreach (var part in query[1..].Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = part.IndexOf('=', StringComparison.Ordinal);
            var name = equals < 0 ? part : part[..equals];
            var value = equals < 0 ? "" : part[(equals + 1)..];
            pairs.Add((Uri.EscapeDataString(Uri.UnescapeDataString(name)), Uri.EscapeDataString(Uri.UnescapeDataString(value))));
        }

        pairs.Sort(static (a, b) =>
        {
            var byName = string.CompareOrdinal(a.Name, b.Name);
            return byName != 0 ? byName : string.CompareOrdinal(a.Value, b.Value);
        });
        return string.Join('&', pairs.Select(static p => p.Name + "=" + p.Value));
    }
}
