namespace Spotable.Common.Kubernetes;

public sealed class StatusDetails
{
    public string? Name { get; set; }
    public string? Group { get; set; }
    public string? Kind { get; set; }
    public int? RetryAfterSeconds { get; set; }
}
