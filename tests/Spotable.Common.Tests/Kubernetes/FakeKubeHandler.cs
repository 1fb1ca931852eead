using System.Net;
using System.Text;
using System.Text.Json;

namespace Spotable.Common.Tests.Kubernetes;

/// <summary>
/// An in-process Kubernetes API endpoint for unit tests: it records every request and answers with the next canned
/// reply (the last one repeats). Like the real API server it answers 401 (a meta/v1 Status) to a bearer token it
/// does not accept once <see cref="AcceptedTokens"/> is set, 415 to a PATCH that is not a known patch type, and 400
/// to a POST or DELETE whose body is not JSON, before any canned reply is used.
/// </summary>
internal sealed class FakeKubeHandler : HttpMessageHandler
{
    private static readonly string[] PatchTypes =
        ["application/merge-patch+json", "application/strategic-merge-patch+json", "application/json-patch+json", "application/apply-patch+yaml"];

    private readonly Lock _gate = new();
    private readonly Queue<Func<RecordedKubeRequest, CancellationToken, Task<HttpResponseMessage>>> _replies = new();
    private readonly List<RecordedKubeRequest> _requests = [];
    private readonly TimeProvider _time;
    private Func<RecordedKubeRequest, CancellationToken, Task<HttpResponseMessage>>? _last;

    public FakeKubeHandler(TimeProvider time)
    {
        _time = time;
    }

    /// <summary>Bearer tokens that authenticate; empty (the default) accepts any request.</summary>
    public HashSet<string> AcceptedTokens { get; } = new(StringComparer.Ordinal);

    public IReadOnlyList<RecordedKubeRequest> Requests
    {
        get
        {
            lock (_gate)
            {
                return [.. _requests];
            }
        }
    }

    public FakeKubeHandler Reply(Func<RecordedKubeRequest, CancellationToken, Task<HttpResponseMessage>> reply)
    {
        lock (_gate)
        {
            _replies.Enqueue(reply);
        }

        return this;
    }

    public FakeKubeHandler Reply(Func<RecordedKubeRequest, HttpResponseMessage> reply) =>
        Reply((request, _) => Task.FromResult(reply(request)));

    public FakeKubeHandler ReplyJson(HttpStatusCode status, string json, params (string Name, string Value)[] headers) =>
        Reply(_ => Json(status, json, headers));

    /// <summary>A meta/v1 Status failure, as the API server writes it.</summary>
    public FakeKubeHandler ReplyStatus(HttpStatusCode status, string reason, string message, int? retryAfterSeconds = null, params (string Name, string Value)[] headers) =>
        ReplyJson(status, StatusJson(status, reason, message, retryAfterSeconds), headers);

    /// <summary>Never answers; only the request's cancellation ends it.</summary>
    public FakeKubeHandler ReplyNever() =>
        Reply(async (_, ct) =>
        {
            await Task.Delay(Timeout.Infinite, ct);
            throw new InvalidOperationException("unreachable");
        });

    public static string StatusJson(HttpStatusCode status, string reason, string message, int? retryAfterSeconds = null)
    {
        var details = retryAfterSeconds is { } seconds ? $$""","details":{"retryAfterSeconds":{{seconds}}}""" : "";
        return $$"""{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"{{JsonEncodedText.Encode(message)}}","reason":"{{reason}}"{{details}},"code":{{(int)status}}}""";
    }

    public static HttpResponseMessage Json(HttpStatusCode status, string json, params (string Name, string Value)[] headers)
    {
        var response = new HttpResponseMessage(status) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        foreach (var (name, value) in headers)
        {
            response.Headers.TryAddWithoutValidation(name, value);
        }

        return response;
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var body = request.Content is null ? "" : await request.Content.ReadAsStringAsync(cancellationToken);
        var recorded = new RecordedKubeRequest(
            request.Method,
            request.RequestUri!.PathAndQuery,
            request.Content?.Headers.ContentType?.ToString(),
            request.Headers.Accept.ToString(),
            request.Headers.Authorization?.ToString(),
            body,
            _time.GetUtcNow());
        Func<RecordedKubeRequest, CancellationToken, Task<HttpResponseMessage>>? reply;
        lock (_gate)
        {
            _requests.Add(recorded);
            reply = _replies.TryDequeue(out var next) ? next : _last;
            _last = reply;
        }

        if (AcceptedTokens.Count > 0 && (recorded.Authorization is not { } authorization
            || !authorization.StartsWith("Bearer ", StringComparison.Ordinal)
            || !AcceptedTokens.Contains(authorization["Bearer ".Length..])))
        {
            return Json(HttpStatusCode.Unauthorized, StatusJson(HttpStatusCode.Unauthorized, "Unauthorized", "Unauthorized"));
        }

        if (request.Method == HttpMethod.Patch && !PatchTypes.Contains(recorded.ContentType))
        {
            return Json(HttpStatusCode.UnsupportedMediaType, StatusJson(HttpStatusCode.UnsupportedMediaType, "UnsupportedMediaType", $"the body of the request was in an unknown format - accepted media types include: {string.Join(", ", PatchTypes)}"));
        }

        if ((request.Method == HttpMethod.Post || request.Method == HttpMethod.Delete) && body.Length > 0 && !IsJson(body))
        {
            return Json(HttpStatusCode.BadRequest, StatusJson(HttpStatusCode.BadRequest, "BadRequest", "the body is not JSON"));
        }

        return reply is null
            ? throw new InvalidOperationException($"No canned reply for {recorded}.")
            : await reply(recorded, cancellationToken);
    }

    private static bool IsJson(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
