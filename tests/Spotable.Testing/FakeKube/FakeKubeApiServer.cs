using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Spotable.Testing.FakeKube;

/// <summary>
/// A Kubernetes API server on 127.0.0.1 (Kestrel, port 0, plain HTTP, bearer token) holding nodes, pods, events and
/// PodDisruptionBudgets in memory, strict where the real one is strict (k8s.io/apiserver and pkg/registry semantics):
/// <list type="bullet">
/// <item>every request needs <c>Authorization: Bearer</c> <see cref="Token"/> (else 401 Status);</item>
/// <item>every write bumps a global resourceVersion; a PATCH or PUT carrying a stale <c>metadata.resourceVersion</c> is
/// 409 Conflict; node status cannot be changed through the node (it is reset, as the node strategy does);</item>
/// <item>pod lists take field selectors (only the fields the real server supports, else 400), label selectors, and
/// <c>limit</c>/<c>continue</c> paging over a consistent snapshot in etcd key order;</item>
/// <item>evictions honour PodDisruptionBudgets (429 when none is allowed), deletes honour grace and UID
/// preconditions and leave the pod terminating until <see cref="RemoveExpiredPods"/> or
/// <see cref="CompleteTerminations"/> plays the kubelet;</item>
/// <item>events are validated as core/v1 Events (old style) and stored.</item>
/// </list>
/// Each authenticated request is recorded as the <see cref="ApiCall"/> RBAC would authorize, before any injected
/// failure, so a test can compare <see cref="Calls"/> with a ClusterRole. What the fake does not implement (watch,
/// server-side apply, creating nodes or pods over HTTP, other resources) answers 400/405/415/404, never a silent success.
/// </summary>
public sealed partial class FakeKubeApiServer : IAsyncDisposable
{
    /// <summary>The API server's request body limit (3 MiB).</summary>
    public const int MaxBodyBytes = 3 * 1024 * 1024;

    private const string JsonMediaTypes = "application/json, application/yaml, application/vnd.kubernetes.protobuf";

    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _gate = new();
    private readonly List<ApiCall> _calls = [];
    private readonly List<FailureRule> _failures = [];
    private LoopbackHttpServer? _host;
    private string _token = NewToken();
    private long _delayTicks;
    private int _requestCount;
    private long _resourceVersion = 1000;
    private volatile bool _removeExpiredPodsOnRequest;
    private Func<ApiCall, bool>? _authorizer;

    private FakeKubeApiServer(TimeProvider time)
    {
        _time = time;
    }

    /// <summary>Base address, e.g. <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri Server { get; private set; } = null!;

    /// <summary>The bearer token every request must carry.</summary>
    public string Token
    {
        get
        {
            lock (_gate)
            {
                return _token;
            }
        }
    }

    /// <summary>The user named in 403 messages when <see cref="Authorizer"/> refuses a call.</summary>
    public string UserName { get; set; } = "system:serviceaccount:spotable-system:spotable-agent";

    /// <summary>
    /// When set, a call it returns false for is answered 403 Forbidden (after being recorded), like RBAC denying it.
    /// Null (the default) allows everything.
    /// </summary>
    public Func<ApiCall, bool>? Authorizer
    {
        get => Volatile.Read(ref _authorizer);
        set => Volatile.Write(ref _authorizer, value);
    }

    /// <summary>Every answer waits this long on the server's clock (a fake clock holds requests until advanced).</summary>
    public TimeSpan Delay
    {
        get => TimeSpan.FromTicks(Interlocked.Read(ref _delayTicks));
        set => Interlocked.Exchange(ref _delayTicks, value.Ticks);
    }

    /// <summary>
    /// Plays the kubelet lazily: before each request, pods whose deletionTimestamp has passed on the server's clock are
    /// removed (as <see cref="RemoveExpiredPods"/>). Off by default, so a test sees terminating pods until it says so.
    /// </summary>
    public bool RemoveExpiredPodsOnRequest
    {
        get => _removeExpiredPodsOnRequest;
        set => _removeExpiredPodsOnRequest = value;
    }

    /// <summary>Requests received, authenticated or not.</summary>
    public int RequestCount => Volatile.Read(ref _requestCount);

    /// <summary>The authenticated requests in arrival order, as RBAC attributes.</summary>
    public IReadOnlyList<ApiCall> Calls
    {
        get
        {
            lock (_gate)
            {
                return [.. _calls];
            }
        }
    }

    /// <summary>The current global resourceVersion (that of the last write).</summary>
    public string ResourceVersion
    {
        get
        {
            lock (_gate)
            {
                return _resourceVersion.ToString(CultureInfo.InvariantCulture);
            }
        }
    }

    public static async Task<FakeKubeApiServer> StartAsync(TimeProvider? time = null, CancellationToken cancellationToken = default)
    {
        var server = new FakeKubeApiServer(time ?? TimeProvider.System);
        server._host = await LoopbackHttpServer.StartAsync(server.HandleAsync, cancellationToken, unlimitedBodies: true);
        server.Server = server._host.Address;
        return server;
    }

    /// <summary>Issues a new token; the old one is refused from now on (a rotated service-account token).</summary>
    public string RotateToken()
    {
        lock (_gate)
        {
            _token = NewToken();
            return _token;
        }
    }

    /// <summary>Writes a kubeconfig (one cluster, user and context, current) that points at this server with <see cref="Token"/>.</summary>
    public void WriteKubeconfig(string path)
    {
        var server = Server.GetLeftPart(UriPartial.Authority);
        var text = $$"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: fake-kube
              cluster:
                server: {{server}}
            users:
            - name: fake-kube-user
              user:
                token: "{{Token}}"
            contexts:
            - name: fake-kube
              context:
                cluster: fake-kube
                user: fake-kube-user
                namespace: default
            current-context: fake-kube
            preferences: {}

            """;
        File.WriteAllText(path, text, new UTF8Encoding(false));
    }

    /// <summary>Forgets recorded calls, deletions and evictions (state is kept).</summary>
    public void ClearRecords()
    {
        lock (_gate)
        {
            _calls.Clear();
            _deletions.Clear();
            _evictions.Clear();
        }
    }

    /// <summary>
    /// The next <paramref name="count"/> authenticated requests (those <paramref name="when"/> accepts, given HTTP
    /// method and path) answer <paramref name="statusCode"/> with a Status body, and a <c>Retry-After</c> header (whole
    /// seconds, rounded up) when <paramref name="retryAfter"/> is given. Nothing changes on the server.
    /// </summary>
    public void FailNext(int count, int statusCode, TimeSpan? retryAfter = null, Func<string, string, bool>? when = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfLessThan(statusCode, 400);
        lock (_gate)
        {
            _failures.Add(new FailureRule(statusCode, retryAfter, when, abort: false) { Remaining = count });
        }
    }

    /// <summary>The next <paramref name="count"/> matching requests lose their connection without an answer (a transport failure).</summary>
    public void AbortNext(int count, Func<string, string, bool>? when = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        lock (_gate)
        {
            _failures.Add(new FailureRule(0, null, when, abort: true) { Remaining = count });
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

    private static string NewToken() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32))
        .Replace('+', '-').Replace('/', '_').TrimEnd('=');

    private static string NewUid() => Guid.NewGuid().ToString("D");

    private static string MediaType(HttpRequest request) =>
        (request.ContentType ?? string.Empty).Split(';')[0].Trim().ToLowerInvariant();

    /// <summary>Bodies of create/update/delete are JSON here; no Content-Type means JSON, as in the API server.</summary>
    private static void RequireJsonBody(HttpRequest request)
    {
        var mediaType = MediaType(request);
        if (mediaType.Length != 0 && mediaType != "application/json")
        {
            throw KubeApiException.UnsupportedMediaType(JsonMediaTypes);
        }
    }

    private static async Task WriteJsonAsync(HttpResponse response, int status, JsonNode body)
    {
        response.StatusCode = status;
        response.ContentType = "application/json";
        await response.WriteAsync(body.ToJsonString());
    }

    private static async Task<byte[]> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > MaxBodyBytes)
            {
                throw new KubeApiException(413, "RequestEntityTooLarge", $"Request entity too large: limit is {MaxBodyBytes}");
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    private string NextResourceVersion()
    {
        _resourceVersion++;
        return _resourceVersion.ToString(CultureInfo.InvariantCulture);
    }

    private bool IsAuthenticated(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        var parts = header.Split(' ', 3);
        if (parts.Length < 2 || !parts[0].Equals("bearer", StringComparison.OrdinalIgnoreCase) || parts[1].Length == 0)
        {
            return false;
        }

        var expected = Encoding.UTF8.GetBytes(Token);
        return CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(parts[1]), expected);
    }

    private async Task HandleAsync(HttpContext context)
    {
        Interlocked.Increment(ref _requestCount);
        var request = context.Request;
        try
        {
            if (!IsAuthenticated(request))
            {
                throw KubeApiException.Unauthorized();
            }

            var info = KubeRequestInfo.Resolve(request);
            var call = info.ToApiCall();
            lock (_gate)
            {
                _calls.Add(call);
            }

            if (Authorizer is { } authorize && !authorize(call))
            {
                throw Forbidden(call);
            }

            if (!await LoopbackHttpServer.DelayAnswerAsync(context, Delay, _time, _stopping.Token))
            {
                return;
            }

            var failure = TakeFailure(request.Method, request.Path.Value ?? "/");
            if (failure is { Abort: true })
            {
                context.Abort();
                return;
            }

            if (failure is not null)
            {
                int? seconds = failure.RetryAfter is { } after ? (int)Math.Ceiling(after.TotalSeconds) : null;
                if (seconds is not null)
                {
                    context.Response.Headers.RetryAfter = seconds.Value.ToString(CultureInfo.InvariantCulture);
                }

                throw KubeApiException.Injected(failure.StatusCode, seconds);
            }

            var body = await ReadBodyAsync(request, context.RequestAborted);
            var (status, answer) = Dispatch(info, request, body);
            await WriteJsonAsync(context.Response, status, answer);
        }
        catch (KubeApiException e)
        {
            await WriteJsonAsync(context.Response, e.Code, e.ToStatus());
        }
    }

    private KubeApiException Forbidden(ApiCall call)
    {
        if (call.IsNonResourceUrl)
        {
            return new KubeApiException(403, "Forbidden", $"forbidden: User \"{UserName}\" cannot {call.Verb} path \"{call.Resource}\"");
        }

        var scope = call.Namespace is null ? "at the cluster scope" : $"in the namespace \"{call.Namespace}\"";
        var resource = call.Subresource is null ? $"resource \"{call.Resource}\"" : $"resource \"{call.Resource}/{call.Subresource}\"";
        // responsewriters.Forbidden: the error names resource.group (no subresource); the reason names resource/subresource.
        var qualified = call.Group.Length == 0 ? call.Resource : $"{call.Resource}.{call.Group}";
        return KubeApiException.Forbidden(
            qualified, call.Name ?? string.Empty, $"User \"{UserName}\" cannot {call.Verb} {resource} in API group \"{call.Group}\" {scope}");
    }

    private FailureRule? TakeFailure(string method, string path)
    {
        lock (_gate)
        {
            foreach (var rule in _failures)
            {
                if (rule.Remaining > 0 && (rule.When is null || rule.When(method, path)))
                {
                    rule.Remaining--;
                    _failures.RemoveAll(r => r.Remaining <= 0);
                    return rule;
                }
            }

            return null;
        }
    }

    private (int Status, JsonNode Body) Dispatch(KubeRequestInfo info, HttpRequest request, byte[] body)
    {
        if (!info.IsResourceRequest || info.Group.Length != 0 || info.Version != "v1")
        {
            throw KubeApiException.UnknownResource();
        }

        if (info.Verb == "watch")
        {
            throw KubeApiException.BadRequest("watch is not implemented by FakeKubeApiServer");
        }

        lock (_gate)
        {
            if (_removeExpiredPodsOnRequest)
            {
                RemoveExpiredPodsLocked();
            }

            return info.Resource switch
            {
                "nodes" => DispatchNodes(info, request, body),
                "pods" => DispatchPods(info, request, body),
                "events" => DispatchEvents(info, request, body),
                _ => throw KubeApiException.UnknownResource(),
            };
        }
    }

    private sealed class FailureRule(int statusCode, TimeSpan? retryAfter, Func<string, string, bool>? when, bool abort)
    {
        public int StatusCode { get; } = statusCode;

        public TimeSpan? RetryAfter { get; } = retryAfter;

        public Func<string, string, bool>? When { get; } = when;

        public bool Abort { get; } = abort;

        public int Remaining { get; set; }
    }
}
