namespace Spotable.Common.Kubernetes;

public sealed class PodStatus
{
    public string? Phase { get; set; }
}
