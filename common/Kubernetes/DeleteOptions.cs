namespace Spotable.Common.Kubernetes;

public sealed class DeleteOptions
{
    public string? ApiVersion { get; set; } = "v1";
    public string? Kind { get; set; } = "DeleteOptions";
    public long? GracePeriodSeconds { get; set; }
    public Preconditions? Preconditions { get; set; }
    public string? PropagationPolicy { get; set; }
}
