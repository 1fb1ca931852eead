namespace Spotable.Launcher.Options;

/// <summary>The protocols a port is reserved for. <see cref="Both"/> reserves the same number for TCP and UDP.</summary>
internal enum PortProtocol
{
    Both,
    Udp,
    Tcp,
}
