using System.Globalization;
using System.Text.Json.Nodes;

namespace Spotable.Testing.FakeKube;

/// <summary>One entry of <c>details.causes</c> in a Status (JSON field <c>reason</c> holds the cause type).</summary>
internal sealed record StatusCause(string Reason, string Message, string? Field = null);

/// <summary>
/// An API error the fake answers with a meta/v1 Status body. Messages and reasons follow
/// k8s.io/apimachinery/pkg/api/errors so a client's error mapping is tested against the real wording.
/// </summary>
internal sealed class KubeApiException : Exception
{
    public KubeApiException()
        : this(500, "InternalError", "internal error")
    {
    }

    public KubeApiException(string message)
        : this(500, "InternalError", message)
    {
    }

    public KubeApiException(string message, Exception innerException)
        : base(message, innerException)
    {
        Code = 500;
        Reason = "InternalError";
    }

    public KubeApiException(int code, string reason, string message)
        : base(message)
    {
        Code = code;
        Reason = reason;
    }

    public int Code { get; }

    public string Reason { get; }

    public string? DetailsName { get; init; }

    public string? DetailsGroup { get; init; }

    public string? DetailsKind { get; init; }

    public int? RetryAfterSeconds { get; init; }

    public IReadOnlyList<StatusCause> Causes { get; init; } = [];

    public static KubeApiException BadRequest(string message) => new(400, "BadRequest", message);

    public static KubeApiException Unauthorized() => new(401, "Unauthorized", "Unauthorized");

    /// <summary>404 for a named object: <c>pods "x" not found</c>, details.kind is the resource (plural).</summary>
    public static KubeApiException NotFound(string resource, string name) =>
        new(404, "NotFound", $"{resource} \"{name}\" not found") { DetailsName = name, DetailsKind = resource };

    /// <summary>404 for a path the server does not serve.</summary>
    public static KubeApiException UnknownResource() =>
        new(404, "NotFound", "the server could not find the requested resource");

    public static KubeApiException MethodNotAllowed() =>
        new(405, "MethodNotAllowed", "the server does not allow this method on the requested resource");

    /// <summary><c>Operation cannot be fulfilled on nodes "x": ...</c> (NewConflict).</summary>
    public static KubeApiException Conflict(string qualifiedResource, string name, string detail) =>
        new(409, "Conflict", $"Operation cannot be fulfilled on {qualifiedResource} \"{name}\": {detail}")
        {
            DetailsName = name,
            DetailsKind = qualifiedResource,
        };

    public static KubeApiException StaleResourceVersion(string resource, string name) =>
        Conflict(resource, name, "the object has been modified; please apply your changes to the latest version and try again");

    public static KubeApiException AlreadyExists(string resource, string name) =>
        new(409, "AlreadyExists", $"{resource} \"{name}\" already exists") { DetailsName = name, DetailsKind = resource };

    public static KubeApiException Expired(string message) => new(410, "Expired", message);

    public static KubeApiException UnsupportedMediaType(string accepted) =>
        new(415, "UnsupportedMediaType", $"the body of the request was in an unknown format - accepted media types include: {accepted}");

    /// <summary><c>Node "x" is invalid: field: detail</c> (NewInvalid); one cause per field error.</summary>
    public static KubeApiException Invalid(string kind, string name, IReadOnlyList<FieldError> errors)
    {
        var joined = errors.Count == 1
            ? errors[0].ToString()
            : "[" + string.Join(", ", errors.Select(e => e.ToString())) + "]";
        return new KubeApiException(422, "Invalid", $"{kind} \"{name}\" is invalid: {joined}")
        {
            DetailsName = name,
            DetailsKind = kind,
            Causes = errors.Select(e => new StatusCause(e.Type, e.Body, e.Field)).ToList(),
        };
    }

    public static KubeApiException Forbidden(string resource, string name, string reason) =>
        new(403, "Forbidden", name.Length == 0 ? $"{resource} is forbidden: {reason}" : $"{resource} \"{name}\" is forbidden: {reason}")
        {
            DetailsName = name.Length == 0 ? null : name,
            DetailsKind = resource,
        };

    /// <summary>The Status an HTTP status code gets when the fake injects it (reasons as in apimachinery).</summary>
    public static KubeApiException Injected(int code, int? retryAfterSeconds) => code switch
    {
        429 => new(429, "TooManyRequests", "Too many requests, please try again later.") { RetryAfterSeconds = retryAfterSeconds },
        500 => new(500, "InternalError", "Internal error occurred: injected by FakeKubeApiServer") { RetryAfterSeconds = retryAfterSeconds },
        503 => new(503, "ServiceUnavailable", "The server is currently unable to handle the request") { RetryAfterSeconds = retryAfterSeconds },
        504 => new(504, "Timeout", "The server was unable to return a response in the time allotted, but may still be processing the request")
        {
            RetryAfterSeconds = retryAfterSeconds,
        },
        _ => new(code, string.Empty, $"injected status {code.ToString(CultureInfo.InvariantCulture)}") { RetryAfterSeconds = retryAfterSeconds },
    };

    public JsonObject ToStatus()
    {
        var status = new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = "Failure",
            ["message"] = Message,
        };
        if (Reason.Length > 0)
        {
            status["reason"] = Reason;
        }

        var details = new JsonObject();
        if (DetailsName is not null)
        {
            details["name"] = DetailsName;
        }

        if (DetailsGroup is { Length: > 0 })
        {
            details["group"] = DetailsGroup;
        }

        if (DetailsKind is not null)
        {
            details["kind"] = DetailsKind;
        }

        if (Causes.Count > 0)
        {
            var causes = new JsonArray();
            foreach (var cause in Causes)
            {
                var item = new JsonObject { ["reason"] = cause.Reason, ["message"] = cause.Message };
                if (cause.Field is not null)
                {
                    item["field"] = cause.Field;
                }

                causes.Add(item);
            }

            details["causes"] = causes;
        }

        if (RetryAfterSeconds is > 0)
        {
            details["retryAfterSeconds"] = RetryAfterSeconds.Value;
        }

        if (details.Count > 0)
        {
            status["details"] = details;
        }

        status["code"] = Code;
        return status;
    }
}
