namespace Spotable.Common.Sqs;

/// <summary>A received message. <paramref name="Attributes"/> holds the system attributes (SentTimestamp, ApproximateReceiveCount, ...).</summary>
public sealed record SqsReceivedMessage(string MessageId, string ReceiptHandle, string Body, IReadOnlyDictionary<string, string> Attributes)
{
    /// <summary>FIFO queues only.</summary>
    public string? MessageGroupId => Attributes.GetValueOrDefault("MessageGroupId");

    /// <summary>FIFO queues only.</summary>
    public string? MessageDeduplicationId => Attributes.GetValueOrDefault("MessageDeduplicationId");
}
