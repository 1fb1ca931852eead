namespace Spotable.Common.Kubernetes;

public sealed class NodeStatus
{
    public Dictionary<string, string>? Allocatable { get; set; }
    public Dictionary<string, string>? Capacity { get; set; }
}
