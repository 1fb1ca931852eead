using Microsoft.Extensions.Logging;
using Spotable.Common.Imds;
using Spotable.Common.Sqs;

namespace Spotable.Launcher.Publishing;

/// <summary>SQS when a queue is configured, else the embedded default: events as log lines.</summary>
internal static class EventSinkFactory
{
    public static IEventSink Create(string? queueUrl, IImdsClient? imds, ILoggerFactory loggers, TimeProvider time)
    {
        if (queueUrl is null)
        {
            return new LogEventSink(loggers.CreateLogger("Spotable.Launcher.Events"));
        }

        var sqs = SqsClient.ForQueue(queueUrl, imds, Environment.GetEnvironmentVariable, time, loggers.CreateLogger<SqsClient>());
        return new SqsEventSink(sqs, queueUrl, loggers.CreateLogger("Spotable.Launcher.Events"), time);
    }
}
