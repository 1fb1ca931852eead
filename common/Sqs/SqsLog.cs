using Microsoft.Extensions.Logging;

namespace Spotable.Common.Sqs;

/// <summary>SQS client log lines, event ids 1200-1299. Never logs keys, signatures, tokens or message bodies.</summary>
internal static partial class SqsLog
{
    [LoggerMessage(EventId = 1200, Level = LogLevel.Information, Message = "SQS client uses region {Region} and endpoint {Endpoint}")]
    public static partial void TargetResolved(this ILogger logger, string region, Uri endpoint);

    [LoggerMessage(EventId = 1201, Level = LogLevel.Warning, Message = "SQS {Action} failed with {ErrorCode}; retry {Attempt} in {DelayMs} ms")]
    public static partial void Retrying(this ILogger logger, string action, string errorCode, int attempt, long delayMs, Exception exception);

    [LoggerMessage(EventId = 1202, Level = LogLevel.Debug, Message = "SQS {Action} answered {HttpStatus} {ErrorCode} (request id {RequestId})")]
    public static partial void RequestFailed(this ILogger logger, string action, int httpStatus, string errorCode, string? requestId);

    [LoggerMessage(EventId = 1203, Level = LogLevel.Debug, Message = "SQS message {MessageId} sent to {QueueUrl}")]
    public static partial void MessageSent(this ILogger logger, string messageId, string queueUrl);

    [LoggerMessage(EventId = 1204, Level = LogLevel.Warning, Message = "SQS batch to {QueueUrl}: {FailedCount} of {TotalCount} entries failed, first {FirstCode}")]
    public static partial void BatchPartiallyFailed(this ILogger logger, string queueUrl, int failedCount, int totalCount, string firstCode);

    [LoggerMessage(EventId = 1205, Level = LogLevel.Debug, Message = "SQS received {Count} messages from {QueueUrl}")]
    public static partial void MessagesReceived(this ILogger logger, int count, string queueUrl);

    [LoggerMessage(EventId = 1206, Level = LogLevel.Debug, Message = "SQS message deleted from {QueueUrl}")]
    public static partial void MessageDeleted(this ILogger logger, string queueUrl);

    [LoggerMessage(EventId = 1207, Level = LogLevel.Error, Message = "SQS {Action}: MD5 of a message body does not match (message {MessageId})")]
    public static partial void ChecksumMismatch(this ILogger logger, string action, string? messageId);

    [LoggerMessage(EventId = 1208, Level = LogLevel.Information, Message = "SQS queue {QueueName} ready at {QueueUrl}")]
    public static partial void QueueCreated(this ILogger logger, string queueName, string queueUrl);
}
