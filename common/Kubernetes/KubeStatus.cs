namespace Spotable.Common.Kubernetes;

/// <summary>meta/v1 Status: the body of every API error.</summary>
public sealed class KubeStatus
{
    public string? ApiVersion { get; set; } = "v1";
    public string? Kind { get; set; } = "Status";
    public string? Status { get; set; }
    public string? Message { get; set; }
    public string? Reason { get; set; }
    public int? Code { get; set; }
    public StatusDetails? Details { get; set; }
}
