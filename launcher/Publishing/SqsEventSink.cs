using System.Text.Json;
using Microsoft.Extensions.Logging;
using Spotable.Common.Events;
using Spotable.Common.Logging;
using Spotable.Common.Sqs;


namespace Spotable.Launcher.Publishing;

/// <summary>
/// Delivers events to SQS one at a time, in order, from a background loop: the game never waits for SQS. A failed
/// send is retried with backoff (capped) until it succeeds or the launcher exits. A retry reuses the event's
/// deduplication id, so a FIFO queue drops the copy when an earlier attempt did land but its answer was lost.
/// The sink owns the client and disposes it.
/// </summary>
internal sealed partial class SqsEventSink : IEventSink
{
    private static readonly TimeSpan FirstBackoff = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(5);

    private readonly ISqsClient _sqs;
    private readonly string _queueUrl;
    private readonly bool _fifo;
    private readonly string _launchId = Guid.NewGuid().ToString("N");
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Queue<Pending> _pending = new();
    private readonly Lock _gate = new();
    private readonly SemaphoreSlim _signal = new(0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private TaskCompletionSource _drained = NewDrained(completed: true);
    private int _sequence;

    public SqsEventSink(ISqsClient sqs, string queueUrl, ILogger logger, TimeProvider time)
    {
        _sqs = sqs;
        _queueUrl = queueUrl;
        _fifo = queueUrl.EndsWith(".fifo", StringComparison.Ordinal);
        _logger = logger;
        _time = time;
        _loop = Task.Run(RunAsync);
    }

    public void Publish(GameServerEvent gameServerEvent)
    {
        var body = JsonSerializer.Serialize(gameServerEvent, EventJsonContext.Default.GameServerEvent);
        lock (_gate)
        {
            var sequence = ++_sequence;
            _pending.Enqueue(new Pending(gameServerEvent.Type, gameServerEvent.ServerId, body, $"{_launchId}-{sequence}"));
            if (_drained.Task.IsCompleted)
            {
                _drained = NewDrained(completed: false);
            }
        }

        LogQueued(_logger, gameServerEvent.Type, new RawJson(body));
        _signal.Release();
    }

    public async Task<bool> FlushAsync(TimeSpan timeout)
    {
        Task drained;
        lock (_gate)
        {
            drained = _drained.Task;
        }

        try
        {
            await drained.WaitAsync(timeout, _time);
            return true;
        }
        catch (TimeoutException)
        {
            lock (_gate)
            {
                // Nothing is lost silently: what could not be delivered is at least in the log.
                foreach (var pending in _pending)
                {
                    LogUndelivered(_logger, pending.Type, new RawJson(pending.Body));
                }
            }

            return false;
        }
    }

    private async Task RunAsync()
    {
        var backoff = FirstBackoff;
        while (!_stop.IsCancellationRequested)
        {
            Pending? head;
            lock (_gate)
            {
                _pending.TryPeek(out head);
            }

            if (head is null)
            {
                try
                {
                    await _signal.WaitAsync(_stop.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                continue;
            }

            try
            {
                var messageId = await _sqs.SendMessageAsync(_queueUrl, head.Body, _fifo ? head.ServerId : null, _fifo ? head.DeduplicationId : null, _stop.Token);
                LogDelivered(_logger, head.Type, messageId);
                backoff = FirstBackoff;
                lock (_gate)
                {
                    _pending.Dequeue();
                    if (_pending.Count == 0)
                    {
                        _drained.TrySetResult();
                    }
                }
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                LogSendFailed(_logger, head.Type, backoff.TotalSeconds, e.Message);
                try
                {
                    await Task.Delay(backoff, _time, _stop.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _loop;
        }
        catch (OperationCanceledException)
        {
            // The loop ends by cancellation; nothing else to report.
        }

        _stop.Dispose();
        _signal.Dispose();
        (_sqs as IDisposable)?.Dispose();
    }

    private static TaskCompletionSource NewDrained(bool completed)
    {
        var source = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (completed)
        {
            source.SetResult();
        }

        return source;
    }

    private sealed record Pending(string Type, string ServerId, string Body, string DeduplicationId);

#pragma warning disable SYSLIB1015 // The body goes into the JSON line as an object, not into the message text.
    [LoggerMessage(EventId = 2050, Level = LogLevel.Information, Message = "event {Type} queued for SQS")]
    private static partial void LogQueued(ILogger logger, string type, RawJson @event);
#pragma warning restore SYSLIB1015

    [LoggerMessage(EventId = 2051, Level = LogLevel.Information, Message = "event {Type} delivered to SQS as {MessageId}")]
    private static partial void LogDelivered(ILogger logger, string type, string messageId);

    [LoggerMessage(EventId = 2052, Level = LogLevel.Warning, Message = "event {Type} not delivered to SQS, retrying in {BackoffSeconds}s: {Error}")]
    private static partial void LogSendFailed(ILogger logger, string type, double backoffSeconds, string error);

#pragma warning disable SYSLIB1015 // The body goes into the JSON line as an object, not into the message text.
    [LoggerMessage(EventId = 2053, Level = LogLevel.Error, Message = "event {Type} was never delivered to SQS")]
    private static partial void LogUndelivered(ILogger logger, string type, RawJson @event);
#pragma warning restore SYSLIB1015
}
