using System.Globalization;

namespace Spotable.Common.Tests.Kubernetes;

/// <summary>What <see cref="FakeKubeHandler"/> saw of one request.</summary>
internal sealed record RecordedKubeRequest(
    HttpMethod Method,
    string PathAndQuery,
    string? ContentType,
    string? Accept,
    string? Authorization,
    string Body,
    DateTimeOffset At)
{
    public string Path => PathAndQuery.Split('?')[0];

    /// <summary>The query's parameters, decoded.</summary>
    public IReadOnlyDictionary<string, string> Query => PathAndQuery.Contains('?', StringComparison.Ordinal)
        ? PathAndQuery.Split('?', 2)[1].Split('&').Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => Uri.UnescapeDataString(p[1]), StringComparer.Ordinal)
        : new Dictionary<string, string>(StringComparer.Ordinal);

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Method} {PathAndQuery} at {At:O}");
}
