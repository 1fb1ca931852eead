namespace Spotable.Common.Logging;

/// <summary>A log value that is already JSON: <see cref="JsonLineLoggerProvider"/> embeds it as an object, not a string.</summary>
public sealed record RawJson(string Json)
{
    public override string ToString() => Json;
}
