namespace Spotable.Common.Sqs;

/// <summary>One message of a batch. <paramref name="Id"/> is unique within the batch: letters, digits, '-' and '_', up to 80.</summary>
public sealed record SqsBatchEntry(string Id, string Body, string? MessageGroupId = null, string? DeduplicationId = null);
