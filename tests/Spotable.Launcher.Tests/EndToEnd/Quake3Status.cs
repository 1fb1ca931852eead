using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Spotable.Launcher.Tests.EndToEnd;

/// <summary>The Quake 3 out-of-band status query: <c>\xff\xff\xff\xffgetstatus</c> answered by <c>statusResponse</c>.</summary>
internal static class Quake3Status
{
    public static async Task<string?> QueryAsync(int port, TimeSpan timeout)
    {
        using var client = new UdpClient(AddressFamily.InterNetwork);
        client.Connect(IPAddress.Loopback, port);
        byte[] query = [0xff, 0xff, 0xff, 0xff, .. "getstatus\n"u8];
        await client.SendAsync(query);
        using var cancellation = new CancellationTokenSource(timeout);
        try
        {
            var result = await client.ReceiveAsync(cancellation.Token);
            return Encoding.Latin1.GetString(result.Buffer);
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException)
        {
            return null;
        }
    }
}
