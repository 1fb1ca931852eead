using Microsoft.Extensions.Logging;

namespace Spotable.Common.Imds;

/// <summary>IMDS client log messages, event ids 1100-1199. The token is never a parameter.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1100, Level = LogLevel.Debug, Message = "Fetched an IMDSv2 token valid for {TtlSeconds} s")]
    public static partial void TokenFetched(ILogger logger, int ttlSeconds);

    [LoggerMessage(EventId = 1101, Level = LogLevel.Debug, Message = "IMDS answered 401 for {Path}; dropping the token and retrying once")]
    public static partial void TokenRejected(ILogger logger, string path);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Warning, Message = "IMDS token endpoint answered {StatusCode}; falling back to IMDSv1 reads without a token")]
    public static partial void FallingBackToV1(ILogger logger, int statusCode);

    [LoggerMessage(EventId = 1103, Level = LogLevel.Warning, Message = "IMDS token endpoint answered {StatusCode} and IMDSv1 fallback is disabled")]
    public static partial void V1FallbackRefused(ILogger logger, int statusCode);

    [LoggerMessage(EventId = 1104, Level = LogLevel.Debug, Message = "IMDS at {Endpoint} did not answer {Path} within {TimeoutMs} ms")]
    public static partial void TimedOut(ILogger logger, Uri endpoint, string path, double timeoutMs);

    [LoggerMessage(EventId = 1105, Level = LogLevel.Debug, Message = "IMDS at {Endpoint} is unreachable for {Path}")]
    public static partial void Unreachable(ILogger logger, Uri endpoint, string path, Exception exception);

    [LoggerMessage(EventId = 1106, Level = LogLevel.Warning, Message = "IMDS answered 403 for {Path}: the metadata endpoint is disabled on this instance")]
    public static partial void EndpointDisabled(ILogger logger, string path);

    [LoggerMessage(EventId = 1107, Level = LogLevel.Warning, Message = "IMDS returned malformed JSON for {Path}")]
    public static partial void MalformedDocument(ILogger logger, string path, Exception? exception);

    [LoggerMessage(EventId = 1108, Level = LogLevel.Debug, Message = "Instance {InstanceId} ({InstanceType}, {Lifecycle}) in {AvailabilityZone}")]
    public static partial void IdentityRead(ILogger logger, string? instanceId, string? instanceType, string? lifecycle, string? availabilityZone);
}
