using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Spotable.Common.Imds;

/// <summary>
/// IMDSv2 client: one cached session token shared by all callers, refreshed before it expires, every request
/// bounded by <see cref="ImdsOptions.RequestTimeout"/>. No retries beyond the single 401 token refresh: callers
/// poll (the spot-agent every few seconds) or fall back (the launcher off AWS), and both want a fast answer.
/// </summary>
public sealed partial class ImdsClient : IImdsClient, IDisposable
{
    internal const string TokenHeader = "X-aws-ec2-metadata-token";
    internal const string TokenTtlHeader = "X-aws-ec2-metadata-token-ttl-seconds";
    internal const string SpotInstanceActionPath = "spot/instance-action";
    internal const string RebalanceRecommendationPath = "events/recommendations/rebalance";
    internal const string ScheduledMaintenancePath = "events/maintenance/scheduled";

    private const string TokenPath = "latest/api/token";
    private const string MetadataPrefix = "latest/meta-data/";

    // "21 Jan 2019 09:00:43 GMT"; "d" also accepts a two-digit day.
    private const string MaintenanceTimeFormat = "d MMM yyyy HH:mm:ss 'GMT'";

    private readonly Uri _endpoint;
    private readonly Uri _base;
    private readonly bool _disabled;
    private readonly bool _allowV1Fallback;
    private readonly TimeSpan _tokenTtl;
    private readonly TimeSpan _refreshMargin;
    private readonly TimeSpan _requestTimeout;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly HttpClient _http;
    private readonly CancellationTokenSource _disposing = new();
    private readonly Lock _gate = new();
    private TokenState? _token;
    private Task<TokenState>? _tokenFetch;
    private bool _disposed;

    public ImdsClient(ImdsOptions options, TimeProvider time, ILogger<ImdsClient>? logger = null, HttpMessageHandler? handler = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);

        // Snapshot: the options object is mutable and the client must not change behaviour under a caller's feet.
        _endpoint = options.Endpoint;
        var baseText = options.Endpoint.AbsoluteUri;
        _base = new Uri(baseText.EndsWith('/') ? baseText : baseText + "/");
        _disabled = options.Disabled;
        _allowV1Fallback = options.AllowV1Fallback;
        _tokenTtl = options.TokenTtl;
        _requestTimeout = options.RequestTimeout;

        // Refresh when a minute or 10% of the TTL is left, whichever is smaller, so a short TTL is still used.
        _refreshMargin = TimeSpan.FromTicks(Math.Min(TimeSpan.FromMinutes(1).Ticks, _tokenTtl.Ticks / 10));
        _time = time;
        _logger = (ILogger?)logger ?? NullLogger.Instance;

        // Never through a proxy: HTTP(S)_PROXY is meant for the internet, and IMDS is link-local. No redirects:
        // IMDS does not send them, and following one would carry the token elsewhere.
        var ownHandler = handler is null;
        handler ??= new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false };
        _http = new HttpClient(handler, disposeHandler: ownHandler) { Timeout = Timeout.InfiniteTimeSpan };
    }

    public Task<string?> GetMetadataAsync(string path, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (path.Contains('?', StringComparison.Ordinal) || path.Contains('#', StringComparison.Ordinal)
            || path.Contains("..", StringComparison.Ordinal) || path.Contains('\\', StringComparison.Ordinal))
        {
            throw new ArgumentException($"IMDS path '{path}' must be a plain path under /latest/meta-data/.", nameof(path));
        }

        return ReadAsync(path.TrimStart('/'), cancellationToken);
    }

    public async Task<InstanceIdentity> GetIdentityAsync(CancellationToken cancellationToken)
    {
        ThrowIfUnusable();

        // In parallel: the first read starts the token fetch and the others join it (see GetTokenAsync).
        var instanceId = ReadAsync("instance-id", cancellationToken);
        var instanceType = ReadAsync("instance-type", cancellationToken);
        var lifecycle = ReadAsync("instance-life-cycle", cancellationToken);
        var publicHostname = ReadAsync("public-hostname", cancellationToken);
        var publicIpv4 = ReadAsync("public-ipv4", cancellationToken);
        var localIpv4 = ReadAsync("local-ipv4", cancellationToken);
        var availabilityZone = ReadAsync("placement/availability-zone", cancellationToken);
        var region = ReadAsync("placement/region", cancellationToken);
        await Task.WhenAll(instanceId, instanceType, lifecycle, publicHostname, publicIpv4, localIpv4, availabilityZone, region);

        var identity = new InstanceIdentity
        {
            InstanceId = await instanceId,
            InstanceType = await instanceType,
            Lifecycle = await lifecycle,
            PublicHostname = await publicHostname,
            PublicIpv4 = await publicIpv4,
            LocalIpv4 = await localIpv4,
            AvailabilityZone = await availabilityZone,
            Region = await region ?? RegionFromAvailabilityZone(await availabilityZone),
        };
        Log.IdentityRead(_logger, identity.InstanceId, identity.InstanceType, identity.Lifecycle, identity.AvailabilityZone);
        return identity;
    }

    public async Task<SpotInstanceAction?> GetSpotInstanceActionAsync(CancellationToken cancellationToken)
    {
        ThrowIfUnusable();
        var body = await ReadAsync(SpotInstanceActionPath, cancellationToken);
        if (body is null)
        {
            return null;
        }

        var document = Deserialize(body, ImdsJsonContext.Default.SpotInstanceActionDocument, SpotInstanceActionPath);
        return new SpotInstanceAction(document.Action, document.Time);
    }

    public async Task<RebalanceRecommendation?> GetRebalanceRecommendationAsync(CancellationToken cancellationToken)
    {
        ThrowIfUnusable();
        var body = await ReadAsync(RebalanceRecommendationPath, cancellationToken);
        if (body is null)
        {
            return null;
        }

        var document = Deserialize(body, ImdsJsonContext.Default.RebalanceRecommendationDocument, RebalanceRecommendationPath);
        return new RebalanceRecommendation(document.NoticeTime);
    }

    public async Task<IReadOnlyList<ScheduledMaintenanceEvent>> GetScheduledMaintenanceEventsAsync(CancellationToken cancellationToken)
    {
        ThrowIfUnusable();

        // IMDS answers "[]" when nothing is scheduled; a 404 is treated the same.
        var body = await ReadAsync(ScheduledMaintenancePath, cancellationToken);
        if (body is null)
        {
            return [];
        }

        var documents = Deserialize(body, ImdsJsonContext.Default.ScheduledMaintenanceEventDocumentArray, ScheduledMaintenancePath);
        var events = new List<ScheduledMaintenanceEvent>(documents.Length);
        foreach (var document in documents)
        {
            if (document is null)
            {
                throw Malformed(ScheduledMaintenancePath, "a null entry", null);
            }

            events.Add(new ScheduledMaintenanceEvent(
                document.EventId,
                document.Code,
                document.Description,
                ParseMaintenanceTime(document.NotBefore, "NotBefore"),
                string.IsNullOrEmpty(document.NotAfter) ? null : ParseMaintenanceTime(document.NotAfter, "NotAfter"),
                document.State));
        }

        return events;
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
        }

        _disposing.Cancel();
        _disposing.Dispose();
        _http.Dispose();
    }

    /// <summary>
    /// The region an availability zone belongs to: us-east-1a → us-east-1, and also Local/Wavelength Zones
    /// (us-west-2-lax-1a → us-west-2), where trimming the trailing letter alone would be wrong.
    /// </summary>
    internal static string? RegionFromAvailabilityZone(string? availabilityZone)
    {
        if (string.IsNullOrEmpty(availabilityZone))
        {
            return null;
        }

        var match = RegionPrefix().Match(availabilityZone);
        return match.Success ? match.Value : null;
    }

    internal static DateTimeOffset ParseMaintenanceTime(string text, string field) =>
        DateTimeOffset.TryParseExact(
            text.Trim(),
            MaintenanceTimeFormat,
            CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal,
            out var value)
            ? value
            : throw Malformed(ScheduledMaintenancePath, $"{field} '{text}' (expected e.g. '21 Jan 2019 09:00:43 GMT')", null);

    [GeneratedRegex(@"^[a-z]{2}(?:-[a-z]+)+-\d+", RegexOptions.CultureInvariant)]
    private static partial Regex RegionPrefix();

    private static ImdsException Malformed(string path, string what, Exception? inner) =>
        new($"IMDS returned malformed JSON for {path}: {what}.", (int)HttpStatusCode.OK, inner);

    private static ImdsException EndpointDisabled(string path) =>
        new($"IMDS answered 403 for {path}: the instance metadata endpoint is disabled on this instance (HttpEndpoint=disabled).", (int)HttpStatusCode.Forbidden);

    private T Deserialize<T>(string body, JsonTypeInfo<T> typeInfo, string path)
        where T : class
    {
        T? document;
        try
        {
            document = JsonSerializer.Deserialize(body, typeInfo);
        }
        catch (JsonException ex)
        {
            Log.MalformedDocument(_logger, path, ex);
            throw Malformed(path, ex.Message, ex);
        }

        if (document is null)
        {
            Log.MalformedDocument(_logger, path, null);
            throw Malformed(path, "a null document", null);
        }

        return document;
    }

    private void ThrowIfUnusable()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_disabled)
        {
            throw new ImdsUnavailableException("IMDS is disabled by configuration (AWS_EC2_METADATA_DISABLED=true).");
        }
    }

    private async Task<string?> ReadAsync(string path, CancellationToken cancellationToken)
    {
        ThrowIfUnusable();
        var uri = new Uri(_base, MetadataPrefix + path);
        for (var attempt = 0; ; attempt++)
        {
            var token = await GetTokenAsync(cancellationToken);
            using var request = new HttpRequestMessage(HttpMethod.Get, uri);
            if (token.Value is not null)
            {
                request.Headers.TryAddWithoutValidation(TokenHeader, token.Value);
            }

            var response = await SendAsync(request, path, cancellationToken);
            switch (response.Status)
            {
                case HttpStatusCode.OK:
                    return response.Body;
                case HttpStatusCode.NotFound:
                    return null;

                // Expired or revoked token (or, in v1 mode, the instance now requires tokens): fetch anew, once.
                case HttpStatusCode.Unauthorized when attempt == 0:
                    Log.TokenRejected(_logger, path);
                    DropToken(token);
                    continue;
                case HttpStatusCode.Unauthorized:
                    throw new ImdsException($"IMDS answered 401 for {path} even with a freshly fetched token.", (int)response.Status);
                case HttpStatusCode.Forbidden:
                    Log.EndpointDisabled(_logger, path);
                    throw EndpointDisabled(path);
                default:
                    throw new ImdsException($"IMDS answered {(int)response.Status} for {path}.", (int)response.Status);
            }
        }
    }

    private async Task<TokenState> GetTokenAsync(CancellationToken cancellationToken)
    {
        Task<TokenState> fetch;
        lock (_gate)
        {
            if (_token is { } token && _time.GetUtcNow() < token.RefreshAt)
            {
                return token;
            }

            // One fetch for all concurrent callers, not cancelled by any single caller (each stops waiting on its
            // own token); a completed task is stale (failed, or its token is now due for refresh).
            if (_tokenFetch is null || _tokenFetch.IsCompleted)
            {
                _tokenFetch = FetchTokenAsync(_disposing.Token);
            }

            fetch = _tokenFetch;
        }

        return await fetch.WaitAsync(cancellationToken);
    }

    private async Task<TokenState> FetchTokenAsync(CancellationToken cancellationToken)
    {
        // Leave the caller's lock before any I/O.
        await Task.Yield();
        var ttlSeconds = (int)_tokenTtl.TotalSeconds;
        var issuedAt = _time.GetUtcNow();
        using var request = new HttpRequestMessage(HttpMethod.Put, new Uri(_base, TokenPath));
        request.Headers.TryAddWithoutValidation(TokenTtlHeader, ttlSeconds.ToString(CultureInfo.InvariantCulture));
        var response = await SendAsync(request, "api/token", cancellationToken);

        TokenState state;
        switch (response.Status)
        {
            case HttpStatusCode.OK when !string.IsNullOrWhiteSpace(response.Body):
                state = new TokenState(response.Body, issuedAt + _tokenTtl - _refreshMargin);
                Log.TokenFetched(_logger, ttlSeconds);
                break;
            case HttpStatusCode.OK:
                throw new ImdsException("IMDS token endpoint answered 200 with an empty token.", (int)response.Status);

            // "No token service here" (an old emulator, a proxy that only knows GET): the one case for IMDSv1.
            // The decision is cached like a token, so the next PUT probe happens at the next refresh or on a 401.
            case HttpStatusCode.NotFound or HttpStatusCode.MethodNotAllowed when _allowV1Fallback:
                Log.FallingBackToV1(_logger, (int)response.Status);
                state = new TokenState(null, issuedAt + _tokenTtl - _refreshMargin);
                break;
            case HttpStatusCode.NotFound or HttpStatusCode.MethodNotAllowed:
                Log.V1FallbackRefused(_logger, (int)response.Status);
                throw new ImdsException(
                    $"IMDS token endpoint answered {(int)response.Status} and IMDSv1 fallback is disabled (AWS_EC2_METADATA_V1_DISABLED=true).",
                    (int)response.Status);
            case HttpStatusCode.Forbidden:
                Log.EndpointDisabled(_logger, "api/token");
                throw EndpointDisabled("api/token");
            default:
                throw new ImdsException($"IMDS token endpoint answered {(int)response.Status}.", (int)response.Status);
        }

        lock (_gate)
        {
            _token = state;
        }

        return state;
    }

    private void DropToken(TokenState rejected)
    {
        lock (_gate)
        {
            // Only the rejected one: another caller may already have fetched a newer token.
            if (ReferenceEquals(_token, rejected))
            {
                _token = null;
            }
        }
    }

    private async Task<ImdsResponse> SendAsync(HttpRequestMessage request, string path, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(_requestTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, linked.Token);
            var body = await response.Content.ReadAsStringAsync(linked.Token);
            return new ImdsResponse(response.StatusCode, body);
        }
        catch (OperationCanceledException ex) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            Log.TimedOut(_logger, _endpoint, path, _requestTimeout.TotalMilliseconds);
            throw new ImdsUnavailableException(
                $"IMDS at {_endpoint} did not answer {path} within {_requestTimeout.TotalMilliseconds:0} ms.", ex);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException && !cancellationToken.IsCancellationRequested)
        {
            Log.Unreachable(_logger, _endpoint, path, ex);
            throw new ImdsUnavailableException($"IMDS at {_endpoint} is unreachable ({path}): {ex.Message}", ex);
        }
    }

    /// <summary>
    /// A session token, or <c>Value == null</c> for "no token service, read with IMDSv1". A class, not a record:
    /// a record's ToString would print the token if it ever reached a log.
    /// </summary>
    private sealed class TokenState(string? value, DateTimeOffset refreshAt)
    {
        public string? Value { get; } = value;

        public DateTimeOffset RefreshAt { get; } = refreshAt;
    }

    private readonly record struct ImdsResponse(HttpStatusCode Status, string Body);
}
