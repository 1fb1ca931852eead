using Microsoft.Extensions.Logging;

namespace Spotable.Common.Configuration;

/// <summary>Option values both binaries accept, parsed one way: log levels and SQS queue URLs.</summary>
public static class OptionValues
{
    public const string LogLevelHint = "use trace, debug, info, warn or error";

    public const string QueueUrlHint = "expected https://sqs.<region>.amazonaws.com/<account>/<queue>";

    public static bool TryParseLogLevel(string text, out LogLevel level)
    {
        switch (text.Trim().ToLowerInvariant())
        {
            case "trace": level = LogLevel.Trace; return true;
            case "debug": level = LogLevel.Debug; return true;
            case "info" or "information": level = LogLevel.Information; return true;
            case "warn" or "warning": level = LogLevel.Warning; return true;
            case "error": level = LogLevel.Error; return true;
            default: level = LogLevel.None; return false;
        }
    }

    /// <summary>An absolute http(s) URL with a path (the account and queue name).</summary>
    public static bool IsQueueUrl(string text) =>
        Uri.TryCreate(text, UriKind.Absolute, out var uri)
        && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp)
        && uri.AbsolutePath.Trim('/').Length > 0;
}
