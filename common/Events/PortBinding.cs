namespace Spotable.Common.Events;

/// <summary>A port handed to the game: its number and the protocols reserved on it (<c>udp</c>, <c>tcp</c> or <c>both</c>).</summary>
public sealed record PortBinding(int Port, string Protocol);
