namespace Spotable.Launcher.Readiness;

/// <summary>Which ports have a bound socket right now: TCP ports in LISTEN, and any bound UDP port.</summary>
internal interface ISocketTable
{
    BoundPorts Read();
}
