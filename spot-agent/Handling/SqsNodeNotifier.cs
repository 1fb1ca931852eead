using System.Text.Json;
using Microsoft.Extensions.Logging;
using Spotable.Common.Events;
using Spotable.Common.Sqs;
using Spotable.SpotAgent.Telemetry;

namespace Spotable.SpotAgent.Handling;

/// <summary>
/// Posts <c>spotable.node/v1</c> messages to SQS, retrying with capped backoff until delivered or the deadline.
/// FIFO queues get group = node and deduplication id = the notice id, so a restarted agent's resend is dropped.
/// </summary>
internal sealed partial class SqsNodeNotifier(ISqsClient sqs, string queueUrl, AgentMetrics metrics, TimeProvider time, ILogger<SqsNodeNotifier> logger) : INodeNotifier
{
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(5);

    public async Task PublishAsync(NodeEvent nodeEvent, CancellationToken cancellationToken)
    {
        var fifo = queueUrl.EndsWith(".fifo", StringComparison.Ordinal);
        var body = JsonSerializer.Serialize(nodeEvent, EventJsonContext.Default.NodeEvent);
        var backoff = TimeSpan.FromMilliseconds(250);
        while (true)
        {
            try
            {
                var id = await sqs.SendMessageAsync(queueUrl, body, fifo ? nodeEvent.Node : null, fifo ? DeduplicationId(nodeEvent) : null, cancellationToken);
                metrics.RecordSqsPublish(ok: true);
                LogDelivered(logger, nodeEvent.Type, nodeEvent.Id, id);
                return;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception e)
            {
                metrics.RecordSqsPublish(ok: false);
                LogFailed(logger, nodeEvent.Type, nodeEvent.Id, backoff.TotalSeconds, e.Message);
                await Task.Delay(backoff, time, cancellationToken);
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
            }
        }
    }

    /// <summary>The notice id itself; a cancellation shares its maintenance's id, so it gets its type in front.</summary>
    internal static string DeduplicationId(NodeEvent nodeEvent) =>
        nodeEvent.Type == NodeEventTypes.MaintenanceCanceled ? $"{nodeEvent.Type}-{nodeEvent.Id}" : nodeEvent.Id;

    [LoggerMessage(EventId = 3080, Level = LogLevel.Information, Message = "node notice {Type} {Id} delivered to SQS as {MessageId}")]
    private static partial void LogDelivered(ILogger logger, string type, string id, string messageId);

    [LoggerMessage(EventId = 3081, Level = LogLevel.Warning, Message = "node notice {Type} {Id} not delivered to SQS, retrying in {BackoffSeconds}s: {Error}")]
    private static partial void LogFailed(ILogger logger, string type, string id, double backoffSeconds, string error);
}
