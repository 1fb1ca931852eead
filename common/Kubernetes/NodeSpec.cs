namespace Spotable.Common.Kubernetes;

public sealed class NodeSpec
{
    public bool? Unschedulable { get; set; }
    public List<Taint>? Taints { get; set; }
    public string? ProviderID { get; set; }
}
