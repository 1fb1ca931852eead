namespace Spotable.Common.Kubernetes;

public sealed class Taint
{
    public string Key { get; set; } = "";
    public string? Value { get; set; }
    public string Effect { get; set; } = "";
    public DateTimeOffset? TimeAdded { get; set; }
}
