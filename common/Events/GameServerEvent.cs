using System.Text.Json.Serialization;

namespace Spotable.Common.Events;

/// <summary>
/// One message body of schema <c>spotable.gameserver/v1</c>: a game server's life as a matchmaker sees it.
/// Field names are a public contract (users script against them); add fields, never rename.
/// </summary>
public sealed record GameServerEvent
{
    public const string SchemaName = "spotable.gameserver/v1";

    [JsonPropertyOrder(0)]
    public string Schema { get; init; } = SchemaName;

    /// <summary><c>ready</c>, <c>terminating</c> or <c>exited</c> (see <see cref="GameServerEventTypes"/>).</summary>
    [JsonPropertyOrder(1)]
    public required string Type { get; init; }

    /// <summary><c>namespace/pod</c> inside Kubernetes, else <c>host/launcher-pid</c>.</summary>
    [JsonPropertyOrder(2)]
    public required string ServerId { get; init; }

    /// <summary>RFC 3339 UTC, e.g. <c>2026-11-21T17:11:44.123Z</c>.</summary>
    [JsonPropertyOrder(3)]
    public required string Time { get; init; }

    [JsonPropertyOrder(4)]
    public string? PublicHost { get; init; }

    [JsonPropertyOrder(5)]
    public string? PublicIp { get; init; }

    [JsonPropertyOrder(6)]
    public string? InstanceId { get; init; }

    [JsonPropertyOrder(7)]
    public string? Region { get; init; }

    [JsonPropertyOrder(8)]
    public string? Zone { get; init; }

    /// <summary><c>spot</c>, <c>on-demand</c> or null off AWS.</summary>
    [JsonPropertyOrder(9)]
    public string? Lifecycle { get; init; }

    /// <summary>The Kubernetes node name (<c>NODE_NAME</c>) or null outside Kubernetes.</summary>
    [JsonPropertyOrder(10)]
    public string? Node { get; init; }

    [JsonPropertyOrder(11)]
    public required IReadOnlyDictionary<string, PortBinding> Ports { get; init; }

    /// <summary>Only on <c>terminating</c>: when the launcher will SIGKILL the game (RFC 3339 UTC).</summary>
    [JsonPropertyOrder(12)]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Deadline { get; init; }

    /// <summary>Only on <c>exited</c>: the launcher's own exit code (the game's code, or 128 + signal).</summary>
    [JsonPropertyOrder(13)]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? ExitCode { get; init; }

    /// <summary>Only on <c>ready</c>: false when the ready timeout passed before every port was seen bound.</summary>
    [JsonPropertyOrder(14)]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public bool? PortsVerified { get; init; }
}
