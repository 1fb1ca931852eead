using Microsoft.Extensions.Logging;

namespace Spotable.Common.Kubernetes;

/// <summary>Kubernetes client log lines, event ids 1300-1399. Never logs bearer tokens, keys or request bodies.</summary>
internal static partial class KubernetesLog
{
    [LoggerMessage(EventId = 1300, Level = LogLevel.Information, Message = "Kubernetes client for {Server} from {Source}, namespace {Namespace}")]
    public static partial void ClientCreated(this ILogger logger, Uri server, string source, string @namespace);

    [LoggerMessage(EventId = 1301, Level = LogLevel.Warning, Message = "Kubernetes {Operation} failed with {StatusCode} {Reason}; retry {Attempt} in {DelayMs} ms")]
    public static partial void Retrying(this ILogger logger, string operation, int statusCode, string? reason, int attempt, long delayMs, Exception exception);

    [LoggerMessage(EventId = 1302, Level = LogLevel.Debug, Message = "Kubernetes {Operation} answered {StatusCode} {Reason}: {StatusMessage}")]
    public static partial void RequestFailed(this ILogger logger, string operation, int statusCode, string? reason, string? statusMessage);

    [LoggerMessage(EventId = 1303, Level = LogLevel.Information, Message = "Kubernetes {Operation} was refused with 401 and the bearer token had rotated; sent again with the new one")]
    public static partial void TokenChangedAfterUnauthorized(this ILogger logger, string operation);

    [LoggerMessage(EventId = 1304, Level = LogLevel.Error, Message = "Kubernetes API server {Server} certificate {Subject} rejected: {Problem}")]
    public static partial void ServerCertificateRejected(this ILogger logger, Uri server, string subject, string problem);
}
