namespace Spotable.Launcher.Endpoint;

/// <summary>Where players reach this node, and which instance it is (null fields off AWS).</summary>
internal sealed record PublicEndpoint(string Host, string Ip, string? InstanceId, string? Region, string? Zone, string? Lifecycle, bool FromImds);
