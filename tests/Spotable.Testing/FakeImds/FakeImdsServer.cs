using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Spotable.Testing.FakeImds;

/// <summary>
/// An EC2 instance metadata service on 127.0.0.1 (Kestrel, port 0) that behaves like the real one where Spotable
/// depends on it: IMDSv2 tokens (TTL header 1..21600 or 400, expiry on an injectable clock, a bad or expired token
/// is 401 in every mode, no token is 401 only when <see cref="RequireToken"/>), 404 for missing paths, 403 when
/// disabled. Metadata values are raw bodies, so a test can put malformed JSON at a notice path.
/// Counters are taken when a request arrives, before any injected delay or failure.
/// </summary>
public sealed class FakeImdsServer : IAsyncDisposable
{
    public const string TokenHeader = "X-aws-ec2-metadata-token";
    public const string TokenTtlHeader = "X-aws-ec2-metadata-token-ttl-seconds";
    public const int MaxTokenTtlSeconds = 21600;

    public const string SpotInstanceActionPath = "spot/instance-action";
    public const string RebalanceRecommendationPath = "events/recommendations/rebalance";
    public const string ScheduledMaintenancePath = "events/maintenance/scheduled";

    private const string TokenPath = "/latest/api/token";
    private const string MetadataPrefix = "/latest/meta-data/";

    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<string, DateTimeOffset> _tokens = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _reads = new(StringComparer.Ordinal);
    private readonly List<MaintenanceEntry> _maintenance = [];
    private readonly Lock _gate = new();
    private LoopbackHttpServer? _host;
    private int _failRemaining;
    private int _failStatus;
    private long _delayTicks;
    private int _tokenRequests;
    private int _unauthenticatedReads;
    private int _totalRequests;
    private volatile bool _requireToken;
    private volatile bool _tokensSupported = true;
    private volatile bool _disabled;

    private FakeImdsServer(TimeProvider time)
    {
        _time = time;
        Metadata = new ConcurrentDictionary<string, string>(StringComparer.Ordinal)
        {
            ["instance-id"] = "i-0123456789abcdef0",
            ["instance-type"] = "c7g.large",
            ["instance-life-cycle"] = "spot",
            ["public-hostname"] = "ec2-203-0-113-25.compute-1.amazonaws.com",
            ["public-ipv4"] = "203.0.113.25",
            ["local-ipv4"] = "10.0.1.23",
            ["placement/availability-zone"] = "us-east-1a",
            ["placement/region"] = "us-east-1",
            [ScheduledMaintenancePath] = "[]",
        };
    }

    public Uri Endpoint { get; private set; } = null!;

    /// <summary>
    /// Raw bodies by path relative to <c>/latest/meta-data/</c>. Starts as a typical Spot instance with a public
    /// address and no notices; remove a path to make it 404 (e.g. public-ipv4 on a private instance).
    /// </summary>
    public ConcurrentDictionary<string, string> Metadata { get; }

    /// <summary>IMDSv2-only (HttpTokens=required): reads without a token answer 401.</summary>
    public bool RequireToken
    {
        get => _requireToken;
        set => _requireToken = value;
    }

    /// <summary>When false the token PUT answers 404, like a metadata emulator or proxy that predates IMDSv2.</summary>
    public bool TokensSupported
    {
        get => _tokensSupported;
        set => _tokensSupported = value;
    }

    /// <summary>HttpEndpoint=disabled: every request answers 403.</summary>
    public bool Disabled403
    {
        get => _disabled;
        set => _disabled = value;
    }

    /// <summary>Every answer waits this long on the server's clock (a fake clock holds requests until advanced).</summary>
    public TimeSpan Delay
    {
        get => TimeSpan.FromTicks(Interlocked.Read(ref _delayTicks));
        set => Interlocked.Exchange(ref _delayTicks, value.Ticks);
    }

    public int TokenRequests => Volatile.Read(ref _tokenRequests);

    /// <summary>Metadata reads that carried no token header (IMDSv1 reads).</summary>
    public int UnauthenticatedReads => Volatile.Read(ref _unauthenticatedReads);

    public int TotalRequests => Volatile.Read(ref _totalRequests);

    public static async Task<FakeImdsServer> StartAsync(TimeProvider? time = null, CancellationToken cancellationToken = default)
    {
        var server = new FakeImdsServer(time ?? TimeProvider.System);
        server._host = await LoopbackHttpServer.StartAsync(server.HandleAsync, cancellationToken);
        server.Endpoint = server._host.Address;
        return server;
    }

    /// <summary>Metadata GETs of <paramref name="path"/> (relative to <c>/latest/meta-data/</c>).</summary>
    public int ReadCount(string path) => _reads.GetValueOrDefault(path);

    /// <summary>The next <paramref name="count"/> requests, token PUTs included, answer <paramref name="status"/>.</summary>
    public void FailNextRequests(int count, int status)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        lock (_gate)
        {
            _failStatus = status;
            _failRemaining = count;
        }
    }

    /// <summary>Server-side expiry of every issued token (like the tokens' TTL running out).</summary>
    public void ExpireTokens() => _tokens.Clear();

    public void SetSpotInstanceAction(string action, DateTimeOffset time) =>
        Metadata[SpotInstanceActionPath] = Json(writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("action", action);
            writer.WriteString("time", IsoTime(time));
            writer.WriteEndObject();
        });

    public void SetRebalanceRecommendation(DateTimeOffset noticeTime) =>
        Metadata[RebalanceRecommendationPath] = Json(writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("noticeTime", IsoTime(noticeTime));
            writer.WriteEndObject();
        });

    /// <summary>Appends an entry to <c>events/maintenance/scheduled</c>, dates in IMDS's "21 Jan 2019 09:00:43 GMT" form.</summary>
    public void AddScheduledMaintenanceEvent(
        string eventId, string code, DateTimeOffset notBefore, DateTimeOffset notAfter, string state = "active", string description = "scheduled maintenance")
    {
        lock (_gate)
        {
            _maintenance.Add(new MaintenanceEntry(eventId, code, notBefore, notAfter, state, description));
            Metadata[ScheduledMaintenancePath] = Json(writer =>
            {
                writer.WriteStartArray();
                foreach (var entry in _maintenance)
                {
                    writer.WriteStartObject();
                    writer.WriteString("NotBefore", MaintenanceTime(entry.NotBefore));
                    writer.WriteString("Code", entry.Code);
                    writer.WriteString("Description", entry.Description);
                    writer.WriteString("EventId", entry.EventId);
                    writer.WriteString("NotAfter", MaintenanceTime(entry.NotAfter));
                    writer.WriteString("State", entry.State);
                    writer.WriteEndObject();
                }

                writer.WriteEndArray();
            });
        }
    }

    public async ValueTask DisposeAsync()
    {
        // Release requests parked in Delay first, so a graceful stop does not wait on them.
        await _stopping.CancelAsync();
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }

        _stopping.Dispose();
    }

    public static string MaintenanceTime(DateTimeOffset time) =>
        time.UtcDateTime.ToString("d MMM yyyy HH:mm:ss 'GMT'", CultureInfo.InvariantCulture);

    private static string IsoTime(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static string Json(Action<Utf8JsonWriter> write)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            write(writer);
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static async Task WriteTextAsync(HttpResponse response, int status, string body)
    {
        response.StatusCode = status;
        response.ContentType = "text/plain";
        await response.WriteAsync(body);
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var path = request.Path.Value ?? string.Empty;
        var isTokenRequest = path == TokenPath && HttpMethods.IsPut(request.Method);
        var isRead = path.StartsWith(MetadataPrefix, StringComparison.Ordinal) && HttpMethods.IsGet(request.Method);
        Interlocked.Increment(ref _totalRequests);
        if (isTokenRequest)
        {
            Interlocked.Increment(ref _tokenRequests);
        }

        if (isRead)
        {
            _reads.AddOrUpdate(path[MetadataPrefix.Length..], 1, (_, n) => n + 1);
            if (!request.Headers.ContainsKey(TokenHeader))
            {
                Interlocked.Increment(ref _unauthenticatedReads);
            }
        }

        if (!await LoopbackHttpServer.DelayAnswerAsync(context, Delay, _time, _stopping.Token))
        {
            return;
        }

        if (TryTakeFailure(out var failStatus))
        {
            context.Response.StatusCode = failStatus;
            return;
        }

        if (_disabled)
        {
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            return;
        }

        if (path == TokenPath)
        {
            await HandleTokenAsync(context, isTokenRequest);
            return;
        }

        if (!path.StartsWith(MetadataPrefix, StringComparison.Ordinal))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        if (!isRead)
        {
            context.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            return;
        }

        // A token that is present but unknown or expired is rejected even when tokens are optional.
        if (request.Headers.TryGetValue(TokenHeader, out var token))
        {
            if (!_tokens.TryGetValue(token.ToString(), out var expiresAt) || _time.GetUtcNow() >= expiresAt)
            {
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                return;
            }
        }
        else if (_requireToken)
        {
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            return;
        }

        if (Metadata.TryGetValue(path[MetadataPrefix.Length..], out var body))
        {
            await WriteTextAsync(context.Response, StatusCodes.Status200OK, body);
        }
        else
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
        }
    }

    private async Task HandleTokenAsync(HttpContext context, bool isPut)
    {
        if (!_tokensSupported)
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        if (!isPut)
        {
            context.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            return;
        }

        if (!int.TryParse(context.Request.Headers[TokenTtlHeader].ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var ttl)
            || ttl < 1 || ttl > MaxTokenTtlSeconds)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }

        var token = Convert.ToBase64String(RandomNumberGenerator.GetBytes(42));
        _tokens[token] = _time.GetUtcNow().AddSeconds(ttl);
        context.Response.Headers[TokenTtlHeader] = ttl.ToString(CultureInfo.InvariantCulture);
        await WriteTextAsync(context.Response, StatusCodes.Status200OK, token);
    }

    private bool TryTakeFailure(out int status)
    {
        lock (_gate)
        {
            status = _failStatus;
            if (_failRemaining <= 0)
            {
                return false;
            }

            _failRemaining--;
            return true;
        }
    }

    private sealed record MaintenanceEntry(
        string EventId, string Code, DateTimeOffset NotBefore, DateTimeOffset NotAfter, string State, string Description);
}
