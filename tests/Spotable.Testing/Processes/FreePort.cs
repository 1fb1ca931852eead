using System.Net;
using System.Net.Sockets;

namespace Spotable.Testing.Processes;

public static class FreePort
{
    /// <summary>A loopback TCP port that is free now (the OS picks it).</summary>
    public static int Tcp()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
