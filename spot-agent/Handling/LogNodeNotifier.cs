using System.Text.Json;
using Microsoft.Extensions.Logging;
using Spotable.Common.Events;
using Spotable.Common.Logging;

namespace Spotable.SpotAgent.Handling;

/// <summary>No queue configured (or --dry-run): the message is a log line with the body in <c>event</c>.</summary>
internal sealed partial class LogNodeNotifier(ILogger<LogNodeNotifier> logger) : INodeNotifier
{
    public Task PublishAsync(NodeEvent nodeEvent, CancellationToken cancellationToken)
    {
        LogNotice(logger, nodeEvent.Type, new RawJson(JsonSerializer.Serialize(nodeEvent, EventJsonContext.Default.NodeEvent)));
        return Task.CompletedTask;
    }

#pragma warning disable SYSLIB1015 // The body goes into the JSON line as an object, not into the message text.
    [LoggerMessage(EventId = 3090, Level = LogLevel.Information, Message = "node notice {Type}")]
    private static partial void LogNotice(ILogger logger, string type, RawJson @event);
#pragma warning restore SYSLIB1015
}
