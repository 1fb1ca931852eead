using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Authentication;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Polly;
using Polly.Retry;

namespace Spotable.Common.Kubernetes;

/// <summary>
/// The Kubernetes REST calls of <see cref="IKubernetesClient"/> over plain HTTP+JSON (source-generated, NativeAOT-safe).
/// Every request carries <c>Authorization: Bearer</c> from the configuration's token provider (asked again at once
/// after a 401, so a rotated service-account token is picked up) and <c>Accept: application/json</c>. One Polly
/// pipeline retries transient failures: 5xx but 501, 429 (honouring Retry-After, capped), transport errors and
/// per-request timeouts; other errors surface at once as typed <see cref="KubernetesApiException"/>s. An eviction's
/// 429 is not retried: it means a PodDisruptionBudget says no, and the caller decides what to do. Thread-safe; make
/// one and share it.
/// </summary>
public sealed class KubernetesClient : IKubernetesClient, IDisposable
{
    private const string JsonMediaType = "application/json";
    private const string MergePatchMediaType = "application/merge-patch+json";

    private static readonly ResiliencePropertyKey<string> OperationKey = new("spotable.kubernetes.operation");
    private static readonly ResiliencePropertyKey<bool> RetryThrottledKey = new("spotable.kubernetes.retry-throttled");

    private readonly KubernetesClientConfiguration _configuration;
    private readonly KubernetesClientOptions _options;
    private readonly string _baseUrl;
    private readonly HttpClient _http;
    private readonly bool _ownsHttp;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ResiliencePipeline _pipeline;

    /// <param name="configuration">Server, trust and credentials; validated here.</param>
    /// <param name="options">Timeouts and retries; validated here. Null: the defaults.</param>
    /// <param name="httpClient">A client to send with; the caller keeps ownership. Null: one of our own over <see cref="KubernetesClientConfiguration.CreateHttpMessageHandler"/>.</param>
    /// <param name="timeProvider">Clock for timeouts and retry delays.</param>
    /// <param name="logger">Logger.</param>
    public KubernetesClient(
        KubernetesClientConfiguration configuration,
        KubernetesClientOptions? options = null,
        HttpClient? httpClient = null,
        TimeProvider? timeProvider = null,
        ILogger<KubernetesClient>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        configuration.Validate();
        _options = (options ?? new KubernetesClientOptions()).Copy();
        _options.Validate();
        _configuration = configuration;
        _baseUrl = configuration.Server.GetLeftPart(UriPartial.Path).TrimEnd('/');
        _time = timeProvider ?? TimeProvider.System;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        if (httpClient is null)
        {
            _http = new HttpClient(configuration.CreateHttpMessageHandler(_logger)) { Timeout = Timeout.InfiniteTimeSpan };
            _ownsHttp = true;
        }
        else
        {
            _http = httpClient;
        }

        _pipeline = BuildPipeline();
        _logger.ClientCreated(configuration.Server, configuration.Source, configuration.Namespace);
    }

    public KubernetesClientConfiguration Configuration => _configuration;

    public async Task<Node> GetNodeAsync(string name, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        var request = new Request(HttpMethod.Get, $"/api/v1/nodes/{Escape(name)}", Body: null, ContentType: null, RetryThrottled: true);
        return Deserialize(request, await SendAsync(request, cancellationToken), KubernetesJsonContext.Default.Node);
    }

    public async Task<Node> PatchNodeAsync(string name, string mergePatchJson, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentException.ThrowIfNullOrWhiteSpace(mergePatchJson);
        var request = new Request(HttpMethod.Patch, $"/api/v1/nodes/{Escape(name)}", Encoding.UTF8.GetBytes(mergePatchJson), MergePatchMediaType, RetryThrottled: true);
        return Deserialize(request, await SendAsync(request, cancellationToken), KubernetesJsonContext.Default.Node);
    }

    public async Task<PodList> ListPodsAsync(string? fieldSelector, string? labelSelector, int? limit, string? continueToken, CancellationToken cancellationToken)
    {
        if (limit is { } pageSize)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(pageSize, 1, nameof(limit));
        }

        var query = new StringBuilder();
        AppendQuery(query, "fieldSelector", fieldSelector);
        AppendQuery(query, "labelSelector", labelSelector);
        AppendQuery(query, "limit", limit?.ToString(CultureInfo.InvariantCulture));
        AppendQuery(query, "continue", continueToken);
        var request = new Request(HttpMethod.Get, "/api/v1/pods" + query, Body: null, ContentType: null, RetryThrottled: true);
        return Deserialize(request, await SendAsync(request, cancellationToken), KubernetesJsonContext.Default.PodList);
    }

    public async Task EvictPodAsync(string podNamespace, string name, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(podNamespace);
        ArgumentException.ThrowIfNullOrEmpty(name);
        var eviction = new Eviction { Metadata = new ObjectMeta { Name = name, Namespace = podNamespace } };
        var request = new Request(
            HttpMethod.Post,
            $"/api/v1/namespaces/{Escape(podNamespace)}/pods/{Escape(name)}/eviction",
            JsonSerializer.SerializeToUtf8Bytes(eviction, KubernetesJsonContext.Default.Eviction),
            JsonMediaType,
            RetryThrottled: false);
        await SendAsync(request, cancellationToken);
    }

    public async Task DeletePodAsync(string podNamespace, string name, long? gracePeriodSeconds, string? uidPrecondition, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(podNamespace);
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (gracePeriodSeconds is { } grace)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(grace, nameof(gracePeriodSeconds));
        }

        var options = new DeleteOptions
        {
            GracePeriodSeconds = gracePeriodSeconds,
            Preconditions = string.IsNullOrEmpty(uidPrecondition) ? null : new Preconditions { Uid = uidPrecondition },
        };

        // A retry after a lost reply can find the pod gone: that surfaces as 404, which callers treat as done.
        var request = new Request(
            HttpMethod.Delete,
            $"/api/v1/namespaces/{Escape(podNamespace)}/pods/{Escape(name)}",
            JsonSerializer.SerializeToUtf8Bytes(options, KubernetesJsonContext.Default.DeleteOptions),
            JsonMediaType,
            RetryThrottled: true);
        await SendAsync(request, cancellationToken);
    }

    public async Task CreateEventAsync(string eventNamespace, KubeEvent kubeEvent, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(eventNamespace);
        ArgumentNullException.ThrowIfNull(kubeEvent);
        var request = new Request(
            HttpMethod.Post,
            $"/api/v1/namespaces/{Escape(eventNamespace)}/events",
            JsonSerializer.SerializeToUtf8Bytes(kubeEvent, KubernetesJsonContext.Default.KubeEvent),
            JsonMediaType,
            RetryThrottled: true);
        await SendAsync(request, cancellationToken);
    }

    public void Dispose()
    {
        if (_ownsHttp)
        {
            _http.Dispose();
        }
    }

    private static string Escape(string value) => Uri.EscapeDataString(value);

    private static void AppendQuery(StringBuilder query, string name, string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return;
        }

        query.Append(query.Length == 0 ? '?' : '&').Append(name).Append('=').Append(Uri.EscapeDataString(value));
    }

    private static bool IsTransient(Exception? exception, ResilienceContext context) => exception switch
    {
        KubernetesTooManyRequestsException => context.Properties.GetValue(RetryThrottledKey, true),

        // A certificate the client rejected stays rejected; anything else without an answer may be a blip.
        KubernetesConnectionException connection => connection.InnerException?.InnerException is not AuthenticationException,
        KubernetesApiException { StatusCode: >= 500 and not 501 } => true,
        _ => false,
    };

    private static KubeStatus? DecodeStatus(byte[] content)
    {
        var span = content.AsSpan().Trim(" \t\r\n"u8);
        if (span.IsEmpty || span[0] != (byte)'{')
        {
            return null;
        }

        try
        {
            var status = JsonSerializer.Deserialize(span, KubernetesJsonContext.Default.KubeStatus);

            // Some other object (a proxy's JSON error, say) is not a Status.
            return status is { Kind: null or "Status" } ? status : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string DefaultReason(int statusCode) => statusCode switch
    {
        // The meta/v1 StatusReason the API server would have used.
        400 => "BadRequest",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "NotFound",
        405 => "MethodNotAllowed",
        406 => "NotAcceptable",
        409 => "Conflict",
        410 => "Expired",
        413 => "RequestEntityTooLarge",
        415 => "UnsupportedMediaType",
        422 => "Invalid",
        429 => "TooManyRequests",
        500 => "InternalError",
        503 => "ServiceUnavailable",
        504 => "Timeout",
        _ => "Unknown",
    };

    private static T Deserialize<T>(Request request, byte[] content, JsonTypeInfo<T> type)
    {
        try
        {
            return JsonSerializer.Deserialize(content, type) ?? throw new JsonException("null");
        }
        catch (JsonException e)
        {
            throw new KubernetesApiException($"Kubernetes {request.Operation} answered with JSON that is not a {typeof(T).Name}: {e.Message}", 200, "MalformedResponse", status: null, e);
        }
    }

    private ResiliencePipeline BuildPipeline()
    {
        if (_options.MaxRetryAttempts == 0)
        {
            return ResiliencePipeline.Empty;
        }

        var maxRetryAfter = _options.MaxRetryAfter;
        return new ResiliencePipelineBuilder { Name = "spotable-kubernetes", TimeProvider = _time }
            .AddRetry(new RetryStrategyOptions
            {
                Name = "spotable-kubernetes-retry",
                ShouldHandle = static args => ValueTask.FromResult(IsTransient(args.Outcome.Exception, args.Context)),
                MaxRetryAttempts = _options.MaxRetryAttempts,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = _options.RetryBaseDelay,
                MaxDelay = TimeSpan.FromTicks(Math.Max(_options.RetryMaxDelay.Ticks, maxRetryAfter.Ticks)),

                // The server's Retry-After, when present, replaces the computed backoff, up to MaxRetryAfter: the
                // caller's deadline (a Spot notice) is worth more than the server's patience.
                DelayGenerator = args => ValueTask.FromResult(
                    args.Outcome.Exception is KubernetesApiException { RetryAfter: { } after } ? (after < maxRetryAfter ? after : maxRetryAfter) : (TimeSpan?)null),
                OnRetry = args =>
                {
                    var exception = (KubernetesApiException)args.Outcome.Exception!;
                    _logger.Retrying(
                        args.Context.Properties.GetValue(OperationKey, "?"),
                        exception.StatusCode,
                        exception.Reason,
                        args.AttemptNumber + 1,
                        (long)args.RetryDelay.TotalMilliseconds,
                        exception);
                    return ValueTask.CompletedTask;
                },
            })
            .Build();
    }

    private async Task<byte[]> SendAsync(Request request, CancellationToken cancellationToken)
    {
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(OperationKey, request.Operation);
        context.Properties.Set(RetryThrottledKey, request.RetryThrottled);
        try
        {
            return await _pipeline.ExecuteAsync(
                static async (ctx, state) => await state.Self.SendOnceAsync(state.Request, ctx.CancellationToken),
                context,
                (Self: this, Request: request));
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    private async Task<byte[]> SendOnceAsync(Request request, CancellationToken cancellationToken)
    {
        var tokens = _configuration.TokenProvider;
        var token = tokens is null ? null : await tokens.GetTokenAsync(forceRefresh: false, cancellationToken);
        var timeout = _options.RequestTimeout;
        using var timeoutSource = timeout == Timeout.InfiniteTimeSpan ? null : new CancellationTokenSource(timeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeoutSource?.Token ?? CancellationToken.None);
        try
        {
            var reply = await ExchangeAsync(request, token, linked.Token);
            if (reply.StatusCode == 401 && tokens is not null)
            {
                // A projected token rotates under us; a 401 right after usually means we sent the previous one.
                // Read again now rather than at the next refresh, and repeat once if it changed.
                var fresh = await tokens.GetTokenAsync(forceRefresh: true, linked.Token);
                if (!string.Equals(fresh, token, StringComparison.Ordinal))
                {
                    _logger.TokenChangedAfterUnauthorized(request.Operation);
                    reply = await ExchangeAsync(request, fresh, linked.Token);
                }
            }

            return reply.StatusCode is >= 200 and < 300 ? reply.Content : throw Failure(request, reply);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            // Our attempt timeout fired, or the caller's HttpClient.Timeout did: either way no reply in time.
            throw new KubernetesConnectionException(
                string.Create(CultureInfo.InvariantCulture, $"Kubernetes {request.Operation} to {_baseUrl} got no reply within {timeout.TotalSeconds:0.###} s."),
                isTimeout: true,
                e);
        }
        catch (HttpRequestException e)
        {
            throw new KubernetesConnectionException($"Kubernetes {request.Operation} to {_baseUrl} failed: {e.Message}", isTimeout: false, e);
        }
    }

    private async Task<Reply> ExchangeAsync(Request request, string? token, CancellationToken cancellationToken)
    {
        using var message = new HttpRequestMessage(request.Method, new Uri(_baseUrl + request.PathAndQuery, UriKind.Absolute));
        message.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(JsonMediaType));
        message.Headers.UserAgent.Add(new ProductInfoHeaderValue("spotable", "1"));
        if (token is not null)
        {
            message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        if (request.Body is not null)
        {
            message.Content = new ByteArrayContent(request.Body);
            message.Content.Headers.ContentType = new MediaTypeHeaderValue(request.ContentType!);
        }

        using var response = await _http.SendAsync(message, HttpCompletionOption.ResponseContentRead, cancellationToken);
        var content = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        return new Reply((int)response.StatusCode, response.Headers.RetryAfter, content);
    }

    private KubernetesApiException Failure(Request request, Reply reply)
    {
        var status = DecodeStatus(reply.Content);
        var code = reply.StatusCode;
        var reason = string.IsNullOrEmpty(status?.Reason) ? DefaultReason(code) : status.Reason;
        var message = $"Kubernetes {request.Operation} answered {code} {reason}: {status?.Message ?? "(no Status body)"}";
        _logger.RequestFailed(request.Operation, code, reason, status?.Message);
        var retryAfter = RetryAfter(reply.RetryAfter, status);
        return code switch
        {
            401 => new KubernetesUnauthorizedException(message, status),
            403 => new KubernetesForbiddenException(message, status),
            404 => new KubernetesNotFoundException(message, status),
            409 => new KubernetesConflictException(message, status),
            422 => new KubernetesInvalidException(message, status),
            429 => new KubernetesTooManyRequestsException(message, status, retryAfter),
            _ => new KubernetesApiException(message, code, reason, status) { RetryAfter = retryAfter },
        };
    }

    private TimeSpan? RetryAfter(RetryConditionHeaderValue? header, KubeStatus? status)
    {
        var delay = header?.Delta
            ?? (header?.Date is { } date ? date - _time.GetUtcNow() : (TimeSpan?)null)
            ?? (status?.Details?.RetryAfterSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : (TimeSpan?)null);
        return delay is { } value && value < TimeSpan.Zero ? TimeSpan.Zero : delay;
    }

    private sealed record Request(HttpMethod Method, string PathAndQuery, byte[]? Body, string? ContentType, bool RetryThrottled)
    {
        public string Operation => $"{Method.Method} {PathAndQuery}";
    }

    private sealed record Reply(int StatusCode, RetryConditionHeaderValue? RetryAfter, byte[] Content);
}
