using System.Text.Json;
using Microsoft.Extensions.Logging;
using Spotable.Common.Events;
using Spotable.Common.Logging;

namespace Spotable.Launcher.Publishing;

/// <summary>The embedded default when no queue is configured: every event is a log line with the message body in <c>event</c>.</summary>
internal sealed partial class LogEventSink(ILogger logger) : IEventSink
{
    public void Publish(GameServerEvent gameServerEvent) =>
        LogEvent(logger, gameServerEvent.Type, new RawJson(JsonSerializer.Serialize(gameServerEvent, EventJsonContext.Default.GameServerEvent)));

    public Task<bool> FlushAsync(TimeSpan timeout) => Task.FromResult(true);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

#pragma warning disable SYSLIB1015 // The body goes into the JSON line as an object, not into the message text.
    [LoggerMessage(EventId = 2040, Level = LogLevel.Information, Message = "event {Type}")]
    private static partial void LogEvent(ILogger logger, string type, RawJson @event);
#pragma warning restore SYSLIB1015
}
