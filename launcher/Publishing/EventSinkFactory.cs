using Microsoft.Extensions.Logging;
using Spotable.Common.Imds;

namespace Spotable.Launcher.Publishing;

internal static class EventSinkFactory
{
    public static IEventSink Create(string? queueUrl, IImdsClient? imds, ILoggerFactory loggers, TimeProvider time)
    {
        if (queueUrl is null)
        {
            return new LogEventSink(loggers.CreateLogger("Spotable.Launcher.Events"));
        }

        throw new NotSupportedException("SQS pending");
    }
}
