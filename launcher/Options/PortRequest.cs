namespace Spotable.Launcher.Options;

/// <summary>A named port the game asked for, e.g. <c>game:udp</c>.</summary>
internal sealed record PortRequest(string Name, PortProtocol Protocol)
{
    /// <summary>The environment variable the game reads: <c>PORT_</c> + the name in upper case, <c>-</c> and <c>.</c> as <c>_</c>.</summary>
    public string EnvironmentVariable => "PORT_" + Name.ToUpperInvariant().Replace('-', '_').Replace('.', '_');

    public string ProtocolName => Protocol switch
    {
        PortProtocol.Udp => "udp",
        PortProtocol.Tcp => "tcp",
        _ => "both",
    };

    public bool NeedsTcp => Protocol is PortProtocol.Tcp or PortProtocol.Both;

    public bool NeedsUdp => Protocol is PortProtocol.Udp or PortProtocol.Both;
}
