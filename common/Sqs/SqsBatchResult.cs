namespace Spotable.Common.Sqs;

/// <summary>What happened to each entry of a batch: a batch call can succeed while some entries fail.</summary>
/// <param name="Successful">The entry ids SQS accepted.</param>
/// <param name="Failed">The entries SQS refused, with its reason.</param>
public sealed record SqsBatchResult(IReadOnlyList<string> Successful, IReadOnlyList<SqsBatchFailure> Failed)
{
    /// <summary>Entry id to the MessageId SQS gave it, for the successful entries.</summary>
    public IReadOnlyDictionary<string, string> MessageIds { get; init; } = new Dictionary<string, string>();
}
