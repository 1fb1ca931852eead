namespace Spotable.Common.Kubernetes;

public sealed class PodSpec
{
    public string? NodeName { get; set; }
    public long? TerminationGracePeriodSeconds { get; set; }
    public string? PriorityClassName { get; set; }
}
