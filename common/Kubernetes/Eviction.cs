namespace Spotable.Common.Kubernetes;

/// <summary>policy/v1 Eviction: POSTed to pods/{name}/eviction.</summary>
public sealed class Eviction
{
    public string? ApiVersion { get; set; } = "policy/v1";
    public string? Kind { get; set; } = "Eviction";
    public ObjectMeta Metadata { get; set; } = new();
    public DeleteOptions? DeleteOptions { get; set; }
}
