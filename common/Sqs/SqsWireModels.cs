using System.Text.Json.Serialization;

namespace Spotable.Common.Sqs;

// The SQS JSON 1.0 request and reply shapes we use; field names are the API's
// (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_Operations.html).
internal sealed class GetQueueUrlRequest
{
    public required string QueueName { get; init; }

    [JsonPropertyName("QueueOwnerAWSAccountId")]
    public string? QueueOwnerAwsAccountId { get; init; }
}

internal sealed class CreateQueueRequest
{
    public required string QueueName { get; init; }

    public IReadOnlyDictionary<string, string>? Attributes { get; init; }
}

internal sealed class QueueUrlResponse
{
    public string? QueueUrl { get; init; }
}

internal sealed class SendMessageRequest
{
    public required string QueueUrl { get; init; }

    public required string MessageBody { get; init; }

    public string? MessageGroupId { get; init; }

    public string? MessageDeduplicationId { get; init; }
}

internal sealed class SendMessageResponse
{
    public string? MessageId { get; init; }

    [JsonPropertyName("MD5OfMessageBody")]
    public string? Md5OfMessageBody { get; init; }

    public string? SequenceNumber { get; init; }
}

internal sealed class SendMessageBatchRequest
{
    public required string QueueUrl { get; init; }

    public required IReadOnlyList<SendMessageBatchRequestEntry> Entries { get; init; }
}

internal sealed class SendMessageBatchRequestEntry
{
    public required string Id { get; init; }

    public required string MessageBody { get; init; }

    public string? MessageGroupId { get; init; }

    public string? MessageDeduplicationId { get; init; }
}

internal sealed class SendMessageBatchResponse
{
    public IReadOnlyList<SendMessageBatchResultEntry>? Successful { get; init; }

    public IReadOnlyList<BatchResultErrorEntry>? Failed { get; init; }
}

internal sealed class SendMessageBatchResultEntry
{
    public string? Id { get; init; }

    public string? MessageId { get; init; }

    [JsonPropertyName("MD5OfMessageBody")]
    public string? Md5OfMessageBody { get; init; }
}

internal sealed class BatchResultErrorEntry
{
    public string? Id { get; init; }

    public string? Code { get; init; }

    public string? Message { get; init; }

    public bool SenderFault { get; init; }
}

internal sealed class ReceiveMessageRequest
{
    public required string QueueUrl { get; init; }

    public int MaxNumberOfMessages { get; init; }

    public int WaitTimeSeconds { get; init; }

    public int? VisibilityTimeout { get; init; }

    // "All" makes FIFO messages carry MessageGroupId / MessageDeduplicationId. The older AttributeNames field is
    // deprecated in favour of this one.
    public IReadOnlyList<string>? MessageSystemAttributeNames { get; init; }
}

internal sealed class ReceiveMessageResponse
{
    public IReadOnlyList<WireMessage>? Messages { get; init; }
}

internal sealed class WireMessage
{
    public string? MessageId { get; init; }

    public string? ReceiptHandle { get; init; }

    [JsonPropertyName("MD5OfBody")]
    public string? Md5OfBody { get; init; }

    public string? Body { get; init; }

    public Dictionary<string, string>? Attributes { get; init; }
}

internal sealed class DeleteMessageRequest
{
    public required string QueueUrl { get; init; }

    public required string ReceiptHandle { get; init; }
}

internal sealed class EmptyResponse;

internal sealed class ErrorResponse
{
    [JsonPropertyName("__type")]
    public string? Type { get; init; }

    // SQS writes "message"; other AWS JSON services write "Message". Reads are case-insensitive.
    public string? Message { get; init; }
}
