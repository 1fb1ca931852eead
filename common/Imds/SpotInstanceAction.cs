namespace Spotable.Common.Imds;

/// <summary>
/// A scheduled Spot interruption. <see cref="Action"/> is <c>terminate</c>, <c>stop</c> or <c>hibernate</c>; kept as a
/// string so an action AWS adds later is still reported instead of failing the read.
/// </summary>
public sealed record SpotInstanceAction(string Action, DateTimeOffset Time);
