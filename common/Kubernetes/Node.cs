namespace Spotable.Common.Kubernetes;

public sealed class Node
{
    public string? ApiVersion { get; set; } = "v1";
    public string? Kind { get; set; } = "Node";
    public ObjectMeta Metadata { get; set; } = new();
    public NodeSpec? Spec { get; set; }
    public NodeStatus? Status { get; set; }
}
