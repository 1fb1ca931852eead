using System.Collections.Frozen;
using System.Globalization;
using System.Net;

namespace Spotable.Common.Sqs;

/// <summary>
/// Turns an SQS error reply into a typed exception. The JSON body's <c>__type</c>
/// (<c>com.amazonaws.sqs#QueueDoesNotExist</c>) wins; the <c>x-amzn-query-error</c> header carries the legacy query
/// code (<c>AWS.SimpleQueueService.NonExistentQueue;Sender</c>) and is the fallback, then the HTTP status alone.
/// Codes: https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/CommonErrors.html and each action's
/// "Errors" section.
/// </summary>
internal static class SqsErrorMapper
{
    private const string LegacyPrefix = "AWS.SimpleQueueService.";

    private static readonly FrozenSet<string> NotFoundCodes = Set("QueueDoesNotExist", "NonExistentQueue");

    private static readonly FrozenSet<string> AccessDeniedCodes = Set(
        "AccessDenied", "AccessDeniedException", "InvalidClientTokenId", "SignatureDoesNotMatch", "ExpiredToken",
        "ExpiredTokenException", "IncompleteSignature", "MissingAuthenticationToken", "UnrecognizedClientException",
        "InvalidSecurity", "RequestExpired", "KmsAccessDenied", "KMS.AccessDeniedException", "NotAuthorized",
        "OptInRequired", "AuthFailure", "InvalidAccessKeyId");

    private static readonly FrozenSet<string> ThrottledCodes = Set(
        "ThrottlingException", "Throttling", "RequestThrottled", "KmsThrottled", "KMS.ThrottlingException",
        "TooManyRequestsException", "OverLimit", "SlowDown", "RequestLimitExceeded");

    private static readonly FrozenSet<string> TransientCodes = Set(
        "ServiceUnavailable", "ServiceUnavailableException", "InternalError", "InternalFailure", "InternalServerError",
        "RequestTimeout", "RequestTimeoutException");

    private static readonly FrozenSet<string> InvalidRequestCodes = Set(
        "InvalidParameterValue", "InvalidParameterValueException", "InvalidParameterCombination", "MissingParameter",
        "InvalidAddress", "InvalidMessageContents", "InvalidAttributeName", "InvalidAttributeValue", "InvalidBatchEntryId",
        "BatchEntryIdsNotDistinct", "EmptyBatchRequest", "TooManyEntriesInBatchRequest", "BatchRequestTooLong",
        "UnsupportedOperation", "InvalidIdFormat", "ReceiptHandleIsInvalid", "MessageNotInflight", "QueueNameExists",
        "QueueAlreadyExists", "QueueDeletedRecently", "PurgeQueueInProgress", "InvalidAction", "MissingAction",
        "ValidationError", "ValidationException", "MalformedQueryString", "InvalidQueryParameter", "SerializationException",
        "KmsDisabled", "KmsInvalidKeyUsage", "KmsInvalidState", "KmsNotFound", "KmsOptInRequired",
        "ResourceCountExceeded", "InvalidParameterException");

    public static SqsException Map(
        HttpStatusCode status,
        string? jsonType,
        string? message,
        string? queryErrorHeader,
        string? requestId,
        TimeSpan? retryAfter)
    {
        var jsonCode = CodeFromJsonType(jsonType);
        var queryCode = CodeFromQueryHeader(queryErrorHeader);
        var code = jsonCode ?? queryCode ?? "Http" + ((int)status).ToString(CultureInfo.InvariantCulture);
        var text = string.IsNullOrWhiteSpace(message)
            ? $"SQS returned {(int)status} {code}."
            : $"SQS returned {(int)status} {code}: {message}";

        return Classify(status, jsonCode, queryCode) switch
        {
            Kind.NotFound => new QueueDoesNotExistException(code, text, status) { RequestId = requestId, RetryAfter = retryAfter },
            Kind.Throttled => new SqsThrottledException(code, text, status) { RequestId = requestId, RetryAfter = retryAfter },
            Kind.AccessDenied => new SqsAccessDeniedException(code, text, status) { RequestId = requestId, RetryAfter = retryAfter },
            Kind.Invalid => new SqsInvalidRequestException(code, text, status) { RequestId = requestId, RetryAfter = retryAfter },
            Kind.Transient => new SqsException(code, text, status, isTransient: true) { RequestId = requestId, RetryAfter = retryAfter },
            _ => new SqsException(code, text, status, isTransient: false) { RequestId = requestId, RetryAfter = retryAfter },
        };
    }

    /// <summary><c>com.amazonaws.sqs#QueueDoesNotExist</c> → <c>QueueDoesNotExist</c>; also drops a <c>:http://...</c> tail.</summary>
    internal static string? CodeFromJsonType(string? type)
    {
        if (string.IsNullOrWhiteSpace(type))
        {
            return null;
        }

        var code = type.Trim();
        var hash = code.LastIndexOf('#');
        if (hash >= 0)
        {
            code = code[(hash + 1)..];
        }

        var colon = code.IndexOf(':', StringComparison.Ordinal);
        if (colon >= 0)
        {
            code = code[..colon];
        }

        return code.Length == 0 ? null : code;
    }

    /// <summary><c>AWS.SimpleQueueService.NonExistentQueue;Sender</c> → <c>AWS.SimpleQueueService.NonExistentQueue</c>.</summary>
    internal static string? CodeFromQueryHeader(string? header)
    {
        if (string.IsNullOrWhiteSpace(header))
        {
            return null;
        }

        var semicolon = header.IndexOf(';', StringComparison.Ordinal);
        var code = (semicolon >= 0 ? header[..semicolon] : header).Trim();
        return code.Length == 0 ? null : code;
    }

    private static bool Matches(FrozenSet<string> codes, string? jsonCode, string? queryCode) =>
        (jsonCode is not null && codes.Contains(StripLegacy(jsonCode)))
        || (queryCode is not null && codes.Contains(StripLegacy(queryCode)));

    private static string StripLegacy(string code) =>
        code.StartsWith(LegacyPrefix, StringComparison.Ordinal) ? code[LegacyPrefix.Length..] : code;

    private static Kind Classify(HttpStatusCode status, string? jsonCode, string? queryCode) =>
        Matches(NotFoundCodes, jsonCode, queryCode) ? Kind.NotFound
        : Matches(ThrottledCodes, jsonCode, queryCode) ? Kind.Throttled
        : Matches(AccessDeniedCodes, jsonCode, queryCode) ? Kind.AccessDenied
        : Matches(TransientCodes, jsonCode, queryCode) ? Kind.Transient
        : Matches(InvalidRequestCodes, jsonCode, queryCode) ? Kind.Invalid
        : status == HttpStatusCode.TooManyRequests ? Kind.Throttled
        : status is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden ? Kind.AccessDenied
        : (int)status >= 500 || status == HttpStatusCode.RequestTimeout ? Kind.Transient
        : Kind.Other;

    private static FrozenSet<string> Set(params string[] codes) => codes.ToFrozenSet(StringComparer.OrdinalIgnoreCase);

    private enum Kind
    {
        Other,
        NotFound,
        Throttled,
        AccessDenied,
        Transient,
        Invalid,
    }
}
