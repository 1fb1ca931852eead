using System.Net;
using System.Security.Cryptography;
using System.Text;

namespace Spotable.Common.Tests.Sqs;

/// <summary>
/// An in-process SQS endpoint for unit tests. Like the real service it rejects a request whose SigV4 signature does
/// not verify (recomputed here independently of the client's signer, with plain HMAC-SHA256), whose Content-Type is
/// not <c>application/x-amz-json-1.0</c> or that lacks <c>X-Amz-Target</c>; otherwise it answers with the next
/// canned reply (the last one repeats).
/// </summary>
internal sealed class FakeSqsHandler : HttpMessageHandler
{
    private readonly Lock _gate = new();
    private readonly Queue<Func<RecordedRequest, CancellationToken, Task<HttpResponseMessage>>> _replies = new();
    private readonly List<RecordedRequest> _requests = [];
    private readonly string _secretKey;
    private readonly TimeProvider _time;
    private Func<RecordedRequest, CancellationToken, Task<HttpResponseMessage>>? _last;

    public FakeSqsHandler(string secretKey, TimeProvider time)
    {
        _secretKey = secretKey;
        _time = time;
    }

    public IReadOnlyList<RecordedRequest> Requests
    {
        get
        {
            lock (_gate)
            {
                return [.. _requests];
            }
        }
    }

    public FakeSqsHandler Reply(Func<RecordedRequest, CancellationToken, Task<HttpResponseMessage>> reply)
    {
        lock (_gate)
        {
            _replies.Enqueue(reply);
        }

        return this;
    }

    public FakeSqsHandler ReplyJson(HttpStatusCode status, string json, params (string Name, string Value)[] headers) =>
        Reply((_, _) => Task.FromResult(Json(status, json, headers)));

    public FakeSqsHandler ReplyError(HttpStatusCode status, string? type, string? queryError = null, string message = "canned error") =>
        Reply((_, _) =>
        {
            var body = type is null ? "" : $$"""{"__type":"{{type}}","message":"{{message}}"}""";
            var headers = queryError is null ? [] : new[] { ("x-amzn-query-error", queryError) };
            return Task.FromResult(Json(status, body, headers));
        });

    public static HttpResponseMessage Json(HttpStatusCode status, string json, params (string Name, string Value)[] headers)
    {
        var response = new HttpResponseMessage(status) { Content = new StringContent(json, Encoding.UTF8, "application/x-amz-json-1.0") };
        response.Headers.TryAddWithoutValidation("x-amzn-RequestId", "00000000-0000-0000-0000-000000000001");
        foreach (var (name, value) in headers)
        {
            response.Headers.TryAddWithoutValidation(name, value);
        }

        return response;
    }

    public static string Md5Hex(string text) =>
#pragma warning disable CA5351 // SQS's body digest is MD5 by protocol.
        Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(text)));
#pragma warning restore CA5351

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var body = request.Content is null ? [] : await request.Content.ReadAsByteArrayAsync(cancellationToken);
        var recorded = new RecordedRequest(
            request.Method,
            request.RequestUri!,
            request.Headers.Host,
            request.Content?.Headers.ContentType?.ToString(),
            request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => string.Join(',', h.Value), StringComparer.Ordinal),
            Encoding.UTF8.GetString(body),
            _time.GetUtcNow());

        Func<RecordedRequest, CancellationToken, Task<HttpResponseMessage>> reply;
        lock (_gate)
        {
            _requests.Add(recorded);
            reply = _replies.TryDequeue(out var next) ? (_last = next) : _last ?? throw new InvalidOperationException("No canned reply.");
        }

        if (recorded.ContentType != "application/x-amz-json-1.0")
        {
            return Json(HttpStatusCode.BadRequest, """{"__type":"com.amazonaws.sqs#UnsupportedMediaType","message":"bad content type"}""");
        }

        if (recorded.Target is null)
        {
            return Json(HttpStatusCode.BadRequest, """{"__type":"com.amazonaws.sqs#MissingAction","message":"Missing X-Amz-Target header"}""");
        }

        if (!VerifySignature(recorded, body, out var why))
        {
            return Json(HttpStatusCode.Forbidden, $$"""{"__type":"com.amazonaws.sqs#SignatureDoesNotMatch","message":"{{why}}"}""");
        }

        return await reply(recorded, cancellationToken);
    }

    // SigV4 recomputed from what went over the wire: if the client signed headers other than those it sent, this fails.
    private bool VerifySignature(RecordedRequest request, byte[] body, out string why)
    {
        why = "";
        if (!request.Headers.TryGetValue("authorization", out var authorization) || !request.Headers.TryGetValue("x-amz-date", out var amzDate))
        {
            why = "missing Authorization or x-amz-date";
            return false;
        }

        var parts = authorization["AWS4-HMAC-SHA256 ".Length..].Split(", ")
            .Select(p => p.Split('=', 2))
            .ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal);
        var scope = parts["Credential"].Split('/', 2)[1];
        var scopeParts = scope.Split('/');
        var signedHeaders = parts["SignedHeaders"].Split(';');
        foreach (var required in new[] { "host", "x-amz-date", "content-type", "x-amz-target" })
        {
            if (!signedHeaders.Contains(required))
            {
                why = $"{required} is not signed";
                return false;
            }
        }

        if (request.Headers.ContainsKey("x-amz-security-token") && !signedHeaders.Contains("x-amz-security-token"))
        {
            why = "x-amz-security-token is not signed";
            return false;
        }

        var canonical = new StringBuilder();
        canonical.Append(request.Method.Method).Append("\n/\n\n");
        foreach (var name in signedHeaders)
        {
            var value = name switch
            {
                "host" => request.Host ?? request.Uri.Authority,
                "content-type" => request.ContentType,
                _ => request.Headers.GetValueOrDefault(name),
            };
            canonical.Append(name).Append(':').Append(value?.Trim()).Append('\n');
        }

        canonical.Append('\n').Append(parts["SignedHeaders"]).Append('\n').Append(Hex(SHA256.HashData(body)));
        var stringToSign = $"AWS4-HMAC-SHA256\n{amzDate}\n{scope}\n{Hex(SHA256.HashData(Encoding.UTF8.GetBytes(canonical.ToString())))}";

        var key = Encoding.UTF8.GetBytes("AWS4" + _secretKey);
        foreach (var piece in scopeParts)
        {
            key = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(piece));
        }

        var expected = Hex(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(stringToSign)));
        if (expected != parts["Signature"])
        {
            why = "signature mismatch";
            return false;
        }

        if (!amzDate.StartsWith(scopeParts[0], StringComparison.Ordinal))
        {
            why = "scope date differs from x-amz-date";
            return false;
        }

        return true;
    }

    private static string Hex(byte[] bytes) => Convert.ToHexStringLower(bytes);
}
