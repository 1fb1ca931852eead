using System.Text.Json.Serialization;

namespace Spotable.Common.Events;

/// <summary>
/// One message body of schema <c>spotable.node/v1</c>: something is happening to a node that a matchmaker must know,
/// with the game servers it affects listed at the start (not after the drain). Add fields, never rename.
/// </summary>
public sealed record NodeEvent
{
    public const string SchemaName = "spotable.node/v1";

    [JsonPropertyOrder(0)]
    public string Schema { get; init; } = SchemaName;

    /// <summary><c>interruption</c>, <c>rebalance</c>, <c>maintenance</c> or <c>maintenance-canceled</c> (see <see cref="NodeEventTypes"/>).</summary>
    [JsonPropertyOrder(1)]
    public required string Type { get; init; }

    /// <summary>Stable id of the notice (instance id + action + notice time): the FIFO deduplication id.</summary>
    [JsonPropertyOrder(2)]
    public required string Id { get; init; }

    [JsonPropertyOrder(3)]
    public required string Node { get; init; }

    [JsonPropertyOrder(4)]
    public string? InstanceId { get; init; }

    [JsonPropertyOrder(5)]
    public string? PublicHost { get; init; }

    /// <summary><c>terminate</c>, <c>stop</c>, <c>hibernate</c>; the maintenance code; or null for a rebalance recommendation.</summary>
    [JsonPropertyOrder(6)]
    public string? Action { get; init; }

    /// <summary>When the notice was first seen (RFC 3339 UTC).</summary>
    [JsonPropertyOrder(7)]
    public required string NoticeTime { get; init; }

    /// <summary>When the instance goes away (interruption) or the maintenance begins; null for rebalance.</summary>
    [JsonPropertyOrder(8)]
    public string? Deadline { get; init; }

    /// <summary>The <c>serverId</c>s (<c>namespace/pod</c>) of the game servers on the node.</summary>
    [JsonPropertyOrder(9)]
    public required IReadOnlyList<string> Servers { get; init; }

    /// <summary>True when the agent ran with <c>--dry-run</c> (such messages are only logged, never posted).</summary>
    [JsonPropertyOrder(10)]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool DryRun { get; init; }
}
