using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Spotable.Common.Tests.Kubernetes;

/// <summary>Keeps every log line with its event id, so a test can assert what was (and was not) logged.</summary>
internal sealed class CapturingLogger<T> : ILogger<T>
{
    public ConcurrentQueue<(int EventId, string Message)> Lines { get; } = new();

    public string All => string.Join("\n", Lines.Select(l => $"{l.EventId} {l.Message}"));

    public int Count(int eventId) => Lines.Count(l => l.EventId == eventId);

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        Lines.Enqueue((eventId.Id, formatter(state, exception) + (exception is null ? "" : " | " + exception.Message)));
}
