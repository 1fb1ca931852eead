using System.Buffers;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace Spotable.Common.Logging;

/// <summary>
/// Writes each log entry as one JSON object per line, synchronously, to a stream (stderr by default).
/// Synchronous on purpose: a wrapper process must not lose its last lines when it exits right after logging,
/// and the console logger's background queue does not guarantee that without a disposal dance.
/// </summary>
public sealed class JsonLineLoggerProvider : ILoggerProvider
{
    private readonly Stream _output;
    private readonly TimeProvider _time;
    private readonly LogLevel _minimum;
    private readonly Lock _gate = new();

    public JsonLineLoggerProvider(Stream output, TimeProvider time, LogLevel minimum)
    {
        _output = output;
        _time = time;
        _minimum = minimum;
    }

    public ILogger CreateLogger(string categoryName) => new JsonLineLogger(this, categoryName);

    public void Dispose() => _output.Flush();

    private static string LevelName(LogLevel level) => level switch
    {
        LogLevel.Trace => "trace",
        LogLevel.Debug => "debug",
        LogLevel.Information => "info",
        LogLevel.Warning => "warn",
        LogLevel.Error => "error",
        LogLevel.Critical => "critical",
        _ => "none",
    };

    private void Write<TState>(string category, LogLevel level, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteString("time", Events.RfcTime.Format(_time.GetUtcNow()));
            json.WriteString("level", LevelName(level));
            json.WriteString("category", category);
            if (eventId.Id != 0)
            {
                json.WriteNumber("eventId", eventId.Id);
            }

            json.WriteString("message", formatter(state, exception));
            if (state is IReadOnlyList<KeyValuePair<string, object?>> properties)
            {
                foreach (var (key, value) in properties)
                {
                    if (key == "{OriginalFormat}")
                    {
                        continue;
                    }

                    var trimmed = key.TrimStart('@'); // C# keywords used as parameter names arrive as @name.
                    var name = trimmed.Length > 0 ? char.ToLowerInvariant(trimmed[0]) + trimmed[1..] : trimmed;
                    switch (value)
                    {
                        case null:
                            json.WriteNull(name);
                            break;
                        case int or long or short or byte or uint or ulong or double or float or decimal:
                            json.WritePropertyName(name);
                            json.WriteRawValue(Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture)!);
                            break;
                        case RawJson raw:
                            json.WritePropertyName(name);
                            json.WriteRawValue(raw.Json);
                            break;
                        case bool b:
                            json.WriteBoolean(name, b);
                            break;
                        default:
                            json.WriteString(name, Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture));
                            break;
                    }
                }
            }

            if (exception is not null)
            {
                json.WriteString("exception", exception.ToString());
            }

            json.WriteEndObject();
        }

        lock (_gate)
        {
            _output.Write(buffer.WrittenSpan);
            _output.WriteByte((byte)'\n');
            _output.Flush();
        }
    }

    private sealed class JsonLineLogger(JsonLineLoggerProvider provider, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None && logLevel >= provider._minimum;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                provider.Write(category, logLevel, eventId, state, exception, formatter);
            }
        }
    }
}
