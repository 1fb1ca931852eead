namespace Spotable.Common.Kubernetes;

public sealed class PodList
{
    public string? ApiVersion { get; set; } = "v1";
    public string? Kind { get; set; } = "PodList";
    public ListMeta Metadata { get; set; } = new();
    public List<Pod> Items { get; set; } = [];
}
