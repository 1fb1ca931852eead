using System.Globalization;

namespace Spotable.Common.Tests.Sqs;

/// <summary>What <see cref="FakeSqsHandler"/> saw of one request.</summary>
internal sealed record RecordedRequest(
    HttpMethod Method,
    Uri Uri,
    string? Host,
    string? ContentType,
    IReadOnlyDictionary<string, string> Headers,
    string Body,
    DateTimeOffset At)
{
    public string? Target => Headers.GetValueOrDefault("x-amz-target");

    public string? Authorization => Headers.GetValueOrDefault("authorization");

    public string CredentialScope => Authorization is { } a ? a.Split("Credential=")[1].Split(',')[0] : "";

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Method} {Uri} {Target} at {At:O}");
}
