using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Polly;
using Polly.Retry;
using Spotable.Common.Aws;
using Spotable.Common.Imds;

namespace Spotable.Common.Sqs;

/// <summary>
/// SQS over its JSON 1.0 protocol (what current AWS SDKs speak): <c>POST /</c>, <c>Content-Type:
/// application/x-amz-json-1.0</c>, <c>X-Amz-Target: AmazonSQS.&lt;Action&gt;</c>, SigV4-signed for service <c>sqs</c>.
/// Transient failures are retried by one Polly pipeline built here; the rest surface at once as typed
/// <see cref="SqsException"/>s. Thread-safe; make one and share it.
/// </summary>
public sealed class SqsClient : ISqsClient, IDisposable
{
    private const string JsonContentType = "application/x-amz-json-1.0";
    private const string TargetPrefix = "AmazonSQS.";
    private const int MaxRetryAfterSeconds = 30;

    private static readonly ResiliencePropertyKey<string> ActionKey = new("spotable.sqs.action");
    private static readonly string[] AllSystemAttributes = ["All"];

    private readonly SqsClientOptions _options;
    private readonly IAwsCredentialSource _credentials;
    private readonly HttpClient _http;
    private readonly bool _ownsHttp;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Func<CancellationToken, Task<string?>>? _regionFallback;
    private readonly ResiliencePipeline _pipeline;
    private readonly SemaphoreSlim _targetGate = new(1, 1);
    private Target? _target;

    /// <summary>
    /// A client for one queue as both binaries configure it: SQS settings from the environment, the AWS SDK's default
    /// credential chain, and the instance's own region (from <paramref name="imds"/>) when nothing else names one.
    /// </summary>
    /// <exception cref="AwsConfigurationException">An SQS environment variable is unusable; the message names it.</exception>
    public static SqsClient ForQueue(string queueUrl, IImdsClient? imds, Func<string, string?> getEnv, TimeProvider timeProvider, ILogger<SqsClient>? logger)
    {
        var options = SqsClientOptions.FromEnvironment(getEnv);
        options.QueueUrl = queueUrl;
        Func<CancellationToken, Task<string?>>? regionFromImds = imds is null
            ? null
            : async cancellationToken => (await imds.GetIdentityAsync(cancellationToken)).Region;
        return new SqsClient(options, new DefaultAwsCredentialSource(), httpClient: null, timeProvider, logger, regionFromImds);
    }

    /// <param name="options">Region, endpoint, timeouts, retries; validated here.</param>
    /// <param name="credentials">Signing keys; <see cref="DefaultAwsCredentialSource"/> in production.</param>
    /// <param name="httpClient">A client to send with (its handler decides proxies and pooling); the caller keeps ownership. Null: one of our own.</param>
    /// <param name="timeProvider">Clock for signing, timeouts and retry delays.</param>
    /// <param name="logger">Logger.</param>
    /// <param name="regionFallback">Asked for the region when neither options nor the queue URL tell it (instance metadata).</param>
    public SqsClient(
        SqsClientOptions options,
        IAwsCredentialSource credentials,
        HttpClient? httpClient = null,
        TimeProvider? timeProvider = null,
        ILogger<SqsClient>? logger = null,
        Func<CancellationToken, Task<string?>>? regionFallback = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(credentials);
        options.Validate();
        _options = new SqsClientOptions
        {
            QueueUrl = options.QueueUrl,
            Region = options.Region,
            Endpoint = options.Endpoint,
            RequestTimeout = options.RequestTimeout,
            MaxRetryAttempts = options.MaxRetryAttempts,
            RetryBaseDelay = options.RetryBaseDelay,
            RetryMaxDelay = options.RetryMaxDelay,
        };
        _credentials = credentials;
        _time = timeProvider ?? TimeProvider.System;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _regionFallback = regionFallback;
        if (httpClient is null)
        {
            // Our own per-attempt timeout governs; recycle pooled connections so DNS changes are seen.
            _http = new HttpClient(new SocketsHttpHandler
            {
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
                ConnectTimeout = TimeSpan.FromSeconds(5),
            })
            {
                Timeout = Timeout.InfiniteTimeSpan,
            };
            _ownsHttp = true;
        }
        else
        {
            _http = httpClient;
        }

        _pipeline = BuildPipeline();
    }

    public async Task<string> GetQueueUrlAsync(string queueName, string? ownerAccountId, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrEmpty(queueName);
        var request = new GetQueueUrlRequest { QueueName = queueName, QueueOwnerAwsAccountId = ownerAccountId };
        var response = await SendAsync("GetQueueUrl", request, SqsJsonContext.Default.GetQueueUrlRequest, SqsJsonContext.Default.QueueUrlResponse, queueName, TimeSpan.Zero, ct);
        return response.QueueUrl ?? throw MissingField("GetQueueUrl", "QueueUrl");
    }

    public async Task<string> CreateQueueAsync(string queueName, IReadOnlyDictionary<string, string>? attributes, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrEmpty(queueName);
        var request = new CreateQueueRequest { QueueName = queueName, Attributes = attributes is { Count: > 0 } ? attributes : null };
        var response = await SendAsync("CreateQueue", request, SqsJsonContext.Default.CreateQueueRequest, SqsJsonContext.Default.QueueUrlResponse, queueName, TimeSpan.Zero, ct);
        var queueUrl = response.QueueUrl ?? throw MissingField("CreateQueue", "QueueUrl");
        _logger.QueueCreated(queueName, queueUrl);
        return queueUrl;
    }

    public async Task<string> SendMessageAsync(string queueUrl, string body, string? messageGroupId, string? deduplicationId, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrEmpty(queueUrl);
        ArgumentException.ThrowIfNullOrEmpty(body);
        var request = new SendMessageRequest
        {
            QueueUrl = queueUrl,
            MessageBody = body,
            MessageGroupId = messageGroupId,
            MessageDeduplicationId = deduplicationId,
        };
        var response = await SendAsync("SendMessage", request, SqsJsonContext.Default.SendMessageRequest, SqsJsonContext.Default.SendMessageResponse, queueUrl, TimeSpan.Zero, ct);
        var messageId = response.MessageId ?? throw MissingField("SendMessage", "MessageId");
        VerifyMd5("SendMessage", messageId, body, response.Md5OfMessageBody);
        _logger.MessageSent(messageId, queueUrl);
        return messageId;
    }

    public async Task<SqsBatchResult> SendMessageBatchAsync(string queueUrl, IReadOnlyList<SqsBatchEntry> entries, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrEmpty(queueUrl);
        ArgumentNullException.ThrowIfNull(entries);
        var bodies = new Dictionary<string, string>(entries.Count, StringComparer.Ordinal);
        var wireEntries = new List<SendMessageBatchRequestEntry>(entries.Count);
        foreach (var entry in entries)
        {
            ArgumentNullException.ThrowIfNull(entry, nameof(entries));
            bodies.TryAdd(entry.Id, entry.Body);
            wireEntries.Add(new SendMessageBatchRequestEntry
            {
                Id = entry.Id,
                MessageBody = entry.Body,
                MessageGroupId = entry.MessageGroupId,
                MessageDeduplicationId = entry.DeduplicationId,
            });
        }

        var request = new SendMessageBatchRequest { QueueUrl = queueUrl, Entries = wireEntries };
        var response = await SendAsync("SendMessageBatch", request, SqsJsonContext.Default.SendMessageBatchRequest, SqsJsonContext.Default.SendMessageBatchResponse, queueUrl, TimeSpan.Zero, ct);

        var successful = new List<string>();
        var messageIds = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in response.Successful ?? [])
        {
            var id = entry.Id ?? throw MissingField("SendMessageBatch", "Successful[].Id");
            var messageId = entry.MessageId ?? throw MissingField("SendMessageBatch", "Successful[].MessageId");
            if (!bodies.TryGetValue(id, out var body))
            {
                throw new SqsException("MalformedResponse", $"SQS SendMessageBatch reported success for unknown entry '{id}'.", HttpStatusCode.OK, isTransient: false);
            }

            VerifyMd5("SendMessageBatch", messageId, body, entry.Md5OfMessageBody);
            successful.Add(id);
            messageIds[id] = messageId;
        }

        var failed = (response.Failed ?? [])
            .Select(f => new SqsBatchFailure(f.Id ?? "", f.Code ?? "Unknown", f.Message, f.SenderFault))
            .ToList();
        if (failed.Count > 0)
        {
            _logger.BatchPartiallyFailed(queueUrl, failed.Count, entries.Count, failed[0].Code);
        }

        return new SqsBatchResult(successful, failed) { MessageIds = messageIds };
    }

    public async Task<IReadOnlyList<SqsReceivedMessage>> ReceiveMessagesAsync(string queueUrl, int maxMessages, TimeSpan waitTime, TimeSpan? visibilityTimeout, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrEmpty(queueUrl);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxMessages, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxMessages, 10);
        ArgumentOutOfRangeException.ThrowIfLessThan(waitTime, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(waitTime, TimeSpan.FromSeconds(20));
        if (visibilityTimeout is { } visibility)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(visibility, TimeSpan.Zero, nameof(visibilityTimeout));
            ArgumentOutOfRangeException.ThrowIfGreaterThan(visibility, TimeSpan.FromHours(12), nameof(visibilityTimeout));
        }

        var waitSeconds = (int)Math.Ceiling(waitTime.TotalSeconds);
        var request = new ReceiveMessageRequest
        {
            QueueUrl = queueUrl,
            MaxNumberOfMessages = maxMessages,
            WaitTimeSeconds = waitSeconds,
            VisibilityTimeout = visibilityTimeout is { } v ? (int)Math.Ceiling(v.TotalSeconds) : null,
            MessageSystemAttributeNames = AllSystemAttributes,
        };

        // The long poll is part of the wait: the attempt's timeout starts counting after it.
        var response = await SendAsync("ReceiveMessage", request, SqsJsonContext.Default.ReceiveMessageRequest, SqsJsonContext.Default.ReceiveMessageResponse, queueUrl, TimeSpan.FromSeconds(waitSeconds), ct);
        var messages = new List<SqsReceivedMessage>();
        foreach (var message in response.Messages ?? [])
        {
            var messageId = message.MessageId ?? throw MissingField("ReceiveMessage", "Messages[].MessageId");
            var body = message.Body ?? "";
            VerifyMd5("ReceiveMessage", messageId, body, message.Md5OfBody);
            messages.Add(new SqsReceivedMessage(
                messageId,
                message.ReceiptHandle ?? throw MissingField("ReceiveMessage", "Messages[].ReceiptHandle"),
                body,
                message.Attributes ?? new Dictionary<string, string>()));
        }

        _logger.MessagesReceived(messages.Count, queueUrl);
        return messages;
    }

    public async Task DeleteMessageAsync(string queueUrl, string receiptHandle, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrEmpty(queueUrl);
        ArgumentException.ThrowIfNullOrEmpty(receiptHandle);
        var request = new DeleteMessageRequest { QueueUrl = queueUrl, ReceiptHandle = receiptHandle };
        await SendAsync("DeleteMessage", request, SqsJsonContext.Default.DeleteMessageRequest, SqsJsonContext.Default.EmptyResponse, queueUrl, TimeSpan.Zero, ct);
        _logger.MessageDeleted(queueUrl);
    }

    public void Dispose()
    {
        if (_ownsHttp)
        {
            _http.Dispose();
        }

        _targetGate.Dispose();
    }

    private static SqsException MissingField(string action, string field) =>
        new("MalformedResponse", $"SQS {action} reply has no {field}.", HttpStatusCode.OK, isTransient: false);

    private static TimeSpan? RetryAfter(HttpResponseMessage response, DateTimeOffset now)
    {
        var header = response.Headers.RetryAfter;
        var delay = header?.Delta ?? (header?.Date is { } date ? date - now : null);
        if (delay is not { } value)
        {
            return null;
        }

        return value < TimeSpan.Zero ? TimeSpan.Zero : TimeSpan.FromSeconds(Math.Min(value.TotalSeconds, MaxRetryAfterSeconds));
    }

    private ResiliencePipeline BuildPipeline()
    {
        if (_options.MaxRetryAttempts == 0)
        {
            return ResiliencePipeline.Empty;
        }

        return new ResiliencePipelineBuilder { Name = "spotable-sqs", TimeProvider = _time }
            .AddRetry(new RetryStrategyOptions
            {
                Name = "spotable-sqs-retry",
                ShouldHandle = new PredicateBuilder().Handle<SqsException>(e => e.IsTransient),
                MaxRetryAttempts = _options.MaxRetryAttempts,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = _options.RetryBaseDelay,
                MaxDelay = _options.RetryMaxDelay,

                // The server's Retry-After, when present, replaces the computed backoff.
                DelayGenerator = static args => ValueTask.FromResult(args.Outcome.Exception is SqsException { RetryAfter: { } after } ? after : (TimeSpan?)null),
                OnRetry = args =>
                {
                    var action = args.Context.Properties.GetValue(ActionKey, "?");
                    var code = (args.Outcome.Exception as SqsException)?.ErrorCode ?? "?";
                    _logger.Retrying(action, code, args.AttemptNumber + 1, (long)args.RetryDelay.TotalMilliseconds, args.Outcome.Exception!);
                    return ValueTask.CompletedTask;
                },
            })
            .Build();
    }

    private async Task<TResponse> SendAsync<TRequest, TResponse>(
        string action,
        TRequest request,
        JsonTypeInfo<TRequest> requestType,
        JsonTypeInfo<TResponse> responseType,
        string queueNameOrUrl,
        TimeSpan extraTimeout,
        CancellationToken ct)
        where TResponse : class
    {
        var target = await GetTargetAsync(queueNameOrUrl, ct);
        var body = JsonSerializer.SerializeToUtf8Bytes(request, requestType);
        var payloadHash = AwsSigV4.PayloadHash(body);
        var context = ResilienceContextPool.Shared.Get(ct);
        context.Properties.Set(ActionKey, action);
        try
        {
            return await _pipeline.ExecuteAsync(
                async (ctx, _) => await SendOnceAsync(action, target, body, payloadHash, responseType, extraTimeout, ctx.CancellationToken),
                context,
                0);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    private async Task<TResponse> SendOnceAsync<TResponse>(
        string action,
        Target target,
        byte[] body,
        string payloadHash,
        JsonTypeInfo<TResponse> responseType,
        TimeSpan extraTimeout,
        CancellationToken ct)
        where TResponse : class
    {
        var credentials = await _credentials.GetAsync(ct);
        var timeout = _options.RequestTimeout == Timeout.InfiniteTimeSpan ? Timeout.InfiniteTimeSpan : _options.RequestTimeout + extraTimeout;
        using var timeoutSource = timeout == Timeout.InfiniteTimeSpan ? null : new CancellationTokenSource(timeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, timeoutSource?.Token ?? CancellationToken.None);

        var host = AwsSigV4.HostHeader(target.Endpoint);
        var amzTarget = TargetPrefix + action;
        using var message = new HttpRequestMessage(HttpMethod.Post, target.Endpoint) { Content = new ByteArrayContent(body) };
        message.Content.Headers.ContentType = new MediaTypeHeaderValue(JsonContentType);
        message.Headers.Host = host;
        message.Headers.TryAddWithoutValidation("X-Amz-Target", amzTarget);
        var signature = AwsSigV4.Sign(
            HttpMethod.Post,
            target.Endpoint,
            [new("content-type", JsonContentType), new("host", host), new("x-amz-target", amzTarget)],
            payloadHash,
            credentials,
            target.Region,
            "sqs",
            _time.GetUtcNow());
        signature.ApplyTo(message);

        try
        {
            using var response = await _http.SendAsync(message, HttpCompletionOption.ResponseContentRead, linked.Token);
            var content = await response.Content.ReadAsByteArrayAsync(linked.Token);
            if (response.IsSuccessStatusCode)
            {
                return Deserialize(action, content, responseType);
            }

            throw Failure(action, response, content);
        }
        catch (OperationCanceledException e) when (!ct.IsCancellationRequested)
        {
            // Our attempt timeout fired, or the caller's HttpClient.Timeout did: either way no reply in time.
            throw new SqsException("RequestTimeout", $"SQS {action} to {target.Endpoint} got no reply within {timeout.TotalSeconds:0.###} s.", null, isTransient: true, e);
        }
        catch (HttpRequestException e)
        {
            throw new SqsException("TransportError", $"SQS {action} to {target.Endpoint} failed: {e.Message}", e.StatusCode, isTransient: true, e);
        }
    }

    private static TResponse Deserialize<TResponse>(string action, byte[] content, JsonTypeInfo<TResponse> responseType)
        where TResponse : class
    {
        try
        {
            // DeleteMessage answers with an empty object; be lenient about an empty body too.
            var span = content.AsSpan().Trim(" \t\r\n"u8);
            return (span.IsEmpty ? JsonSerializer.Deserialize("{}"u8, responseType) : JsonSerializer.Deserialize(span, responseType))
                ?? throw new JsonException("null");
        }
        catch (JsonException e)
        {
            throw new SqsException("MalformedResponse", $"SQS {action} reply is not the expected JSON: {e.Message}", HttpStatusCode.OK, isTransient: false, e);
        }
    }

    private SqsException Failure(string action, HttpResponseMessage response, byte[] content)
    {
        string? type = null;
        string? text = null;
        try
        {
            if (content.Length > 0 && JsonSerializer.Deserialize(content, SqsJsonContext.Default.ErrorResponse) is { } error)
            {
                type = error.Type;
                text = error.Message;
            }
        }
        catch (JsonException)
        {
            // Not JSON (a proxy's HTML page, say): the status and the header decide.
        }

        var queryError = response.Headers.TryGetValues("x-amzn-query-error", out var queryValues) ? queryValues.FirstOrDefault() : null;
        var requestId = response.Headers.TryGetValues("x-amzn-RequestId", out var idValues) ? idValues.FirstOrDefault() : null;
        var exception = SqsErrorMapper.Map(response.StatusCode, type, text, queryError, requestId, RetryAfter(response, _time.GetUtcNow()));
        _logger.RequestFailed(action, (int)response.StatusCode, exception.ErrorCode, requestId);
        return exception;
    }

    private void VerifyMd5(string action, string messageId, string body, string? reportedMd5)
    {
        // Real SQS always reports the digest; an emulator might not. Nothing reported, nothing to compare.
        if (string.IsNullOrEmpty(reportedMd5))
        {
            return;
        }

#pragma warning disable CA5351 // MD5 is the digest the SQS protocol defines for bodies; integrity, not security.
        var actual = Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(body)));
#pragma warning restore CA5351
        if (!string.Equals(actual, reportedMd5, StringComparison.OrdinalIgnoreCase))
        {
            _logger.ChecksumMismatch(action, messageId);
            throw new SqsChecksumMismatchException(
                $"SQS {action}: MD5 of message {messageId} is {reportedMd5.ToLowerInvariant()} by the service but {actual} locally; the body was altered in transit.");
        }
    }

    private async Task<Target> GetTargetAsync(string queueNameOrUrl, CancellationToken ct)
    {
        if (Volatile.Read(ref _target) is { } known)
        {
            return known;
        }

        await _targetGate.WaitAsync(ct);
        try
        {
            if (_target is { } raced)
            {
                return raced;
            }

            // The configured queue URL first, else the one this call is about (a name is not a URL and is skipped).
            var queueUrl = _options.QueueUrl ?? (Uri.TryCreate(queueNameOrUrl, UriKind.Absolute, out _) ? queueNameOrUrl : null);
            var region = await AwsRegionResolver.ResolveAsync(_options.Region, queueUrl, _regionFallback, ct);
            var endpoint = AwsEndpointResolver.ResolveSqs(_options.Endpoint, queueUrl, region);
            var target = new Target(region, endpoint);
            _logger.TargetResolved(region, endpoint);

            // Only a success is cached: a failed metadata lookup is asked again next call.
            Volatile.Write(ref _target, target);
            return target;
        }
        finally
        {
            _targetGate.Release();
        }
    }

    private sealed record Target(string Region, Uri Endpoint);
}
