namespace Spotable.Launcher.Readiness;

/// <summary>Which ports have a bound socket right now: TCP ports in LISTEN, and any bound UDP port.</summary>
internal interface ISocketTable
{
    /// <param name="ownerPid">Count only sockets held by this process and its descendants; null for any socket.</param>
    BoundPorts Read(int? ownerPid);
}
