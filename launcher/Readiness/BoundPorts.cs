namespace Spotable.Launcher.Readiness;

internal sealed record BoundPorts(IReadOnlySet<int> TcpListening, IReadOnlySet<int> Udp);
