namespace Spotable.Common.Imds;

/// <summary>
/// Who this instance is. Every field is nullable: the public paths 404 on an instance without a public address,
/// and a missing path should not make the rest unreadable.
/// </summary>
public sealed record InstanceIdentity
{
    public string? InstanceId { get; init; }

    public string? InstanceType { get; init; }

    /// <summary><c>instance-life-cycle</c>: <c>spot</c>, <c>on-demand</c> or <c>scheduled</c>.</summary>
    public string? Lifecycle { get; init; }

    public string? PublicHostname { get; init; }

    public string? PublicIpv4 { get; init; }

    public string? LocalIpv4 { get; init; }

    public string? AvailabilityZone { get; init; }

    public string? Region { get; init; }
}
