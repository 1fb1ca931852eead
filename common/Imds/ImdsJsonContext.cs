using System.Text.Json.Serialization;

namespace Spotable.Common.Imds;

/// <summary>
/// Source-generated (NativeAOT-safe) JSON for the IMDS notice documents. Nullable annotations and <c>required</c>
/// are enforced, so a document missing a field is rejected as malformed instead of yielding a half-filled notice.
/// </summary>
[JsonSourceGenerationOptions(RespectNullableAnnotations = true, RespectRequiredConstructorParameters = true)]
[JsonSerializable(typeof(SpotInstanceActionDocument))]
[JsonSerializable(typeof(RebalanceRecommendationDocument))]
[JsonSerializable(typeof(ScheduledMaintenanceEventDocument[]))]
internal sealed partial class ImdsJsonContext : JsonSerializerContext;

/// <summary>Wire shape of <c>spot/instance-action</c>: <c>{"action":"terminate","time":"2026-11-21T17:11:44Z"}</c>.</summary>
internal sealed class SpotInstanceActionDocument
{
    [JsonPropertyName("action")]
    public required string Action { get; init; }

    [JsonPropertyName("time")]
    public required DateTimeOffset Time { get; init; }
}

/// <summary>Wire shape of <c>events/recommendations/rebalance</c>: <c>{"noticeTime":"2026-11-21T17:11:44Z"}</c>.</summary>
internal sealed class RebalanceRecommendationDocument
{
    [JsonPropertyName("noticeTime")]
    public required DateTimeOffset NoticeTime { get; init; }
}

/// <summary>
/// Wire shape of one <c>events/maintenance/scheduled</c> entry. The dates are strings such as
/// <c>21 Jan 2019 09:00:43 GMT</c>, not ISO 8601, so they are parsed by <see cref="ImdsClient"/>.
/// </summary>
internal sealed class ScheduledMaintenanceEventDocument
{
    [JsonPropertyName("EventId")]
    public required string EventId { get; init; }

    [JsonPropertyName("Code")]
    public required string Code { get; init; }

    [JsonPropertyName("Description")]
    public string? Description { get; init; }

    [JsonPropertyName("NotBefore")]
    public required string NotBefore { get; init; }

    [JsonPropertyName("NotAfter")]
    public string? NotAfter { get; init; }

    [JsonPropertyName("State")]
    public string? State { get; init; }
}
