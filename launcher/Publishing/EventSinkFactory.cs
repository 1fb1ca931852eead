using Microsoft.Extensions.Logging;
using Spotable.Common.Aws;
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

        var options = SqsClientOptions.FromEnvironment(Environment.GetEnvironmentVariable);
        options.QueueUrl = queueUrl;
        Func<CancellationToken, Task<string?>>? regionFromImds = imds is null
            ? null
            : async cancellationToken => (await imds.GetIdentityAsync(cancellationToken)).Region;
        var sqs = new SqsClient(options, new DefaultAwsCredentialSource(), httpClient: null, time, loggers.CreateLogger<SqsClient>(), regionFromImds);
        return new SqsEventSink(sqs, queueUrl, loggers.CreateLogger("Spotable.Launcher.Events"), time);
    }
}
