using System.Text.Json.Serialization;

namespace Spotable.Common.Kubernetes;

public sealed class ListMeta
{
    public string? ResourceVersion { get; set; }
    [JsonPropertyName("continue")]
    public string? Continue { get; set; }
    public long? RemainingItemCount { get; set; }
}
