using Spotable.Common.Events;

namespace Spotable.SpotAgent.Handling;

/// <summary>Where <c>spotable.node/v1</c> messages go: SQS, or the log when no queue is configured.</summary>
internal interface INodeNotifier
{
    /// <summary>Delivers the message, retrying until it lands or <paramref name="cancellationToken"/> ends (the deadline).</summary>
    Task PublishAsync(NodeEvent nodeEvent, CancellationToken cancellationToken);
}
