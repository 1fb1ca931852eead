namespace Spotable.Common.Sqs;

/// <summary>
/// The SQS operations Spotable uses (not the whole API). Failures surface as <see cref="SqsException"/> and its
/// subclasses; transient ones (throttling, 5xx, transport, timeouts) were already retried when they reach the caller.
/// </summary>
public interface ISqsClient
{
    /// <exception cref="QueueDoesNotExistException">No queue of that name (for that owner).</exception>
    Task<string> GetQueueUrlAsync(string queueName, string? ownerAccountId, CancellationToken ct);

    /// <summary>Creates the queue, or returns the existing one when its attributes match. For tests and examples.</summary>
    Task<string> CreateQueueAsync(string queueName, IReadOnlyDictionary<string, string>? attributes, CancellationToken ct);

    /// <summary>Sends one message and returns its MessageId; the body's MD5 digest in the reply is verified.</summary>
    /// <param name="queueUrl">The queue.</param>
    /// <param name="body">The message body.</param>
    /// <param name="messageGroupId">Required by FIFO queues, ignored-or-rejected by standard ones.</param>
    /// <param name="deduplicationId">FIFO only: a repeat within 5 minutes is accepted but not delivered again.</param>
    /// <param name="ct">Cancellation.</param>
    Task<string> SendMessageAsync(string queueUrl, string body, string? messageGroupId, string? deduplicationId, CancellationToken ct);

    /// <summary>Sends up to 10 messages. Entries can fail one by one: see <see cref="SqsBatchResult.Failed"/>.</summary>
    Task<SqsBatchResult> SendMessageBatchAsync(string queueUrl, IReadOnlyList<SqsBatchEntry> entries, CancellationToken ct);

    /// <summary>
    /// Receives up to <paramref name="maxMessages"/> (1-10) messages, long-polling up to <paramref name="waitTime"/>
    /// (0-20 s). Every system attribute is requested, so FIFO messages show MessageGroupId and MessageDeduplicationId.
    /// </summary>
    Task<IReadOnlyList<SqsReceivedMessage>> ReceiveMessagesAsync(string queueUrl, int maxMessages, TimeSpan waitTime, TimeSpan? visibilityTimeout, CancellationToken ct);

    Task DeleteMessageAsync(string queueUrl, string receiptHandle, CancellationToken ct);
}
