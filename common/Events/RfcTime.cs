using System.Globalization;

namespace Spotable.Common.Events;

/// <summary>RFC 3339 UTC timestamps with millisecond precision and a <c>Z</c> suffix, the form every event uses.</summary>
public static class RfcTime
{
    public static string Format(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}
