using Spotable.Launcher.Readiness;

namespace Spotable.Launcher.Tests.Readiness;

public class ProcNetSocketTableTests
{
    private const string Tcp = """
          sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
           0: 00000000:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1001 1 0000000000000000 100 0 0 10 0
           1: 0100007F:0BB8 0100007F:D431 01 00000000:00000000 00:00000000 00000000     0        0 1002 1 0000000000000000 20 4 30 10 -1
        """;

    private const string Udp6 = """
          sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops
         1: 00000000000000000000000000000000:6D38 00000000000000000000000000000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 2001 2 0000000000000000 0
        """;

    [Test]
    public void Parse_Tcp_CountsOnlyListeningSockets()
    {
        var ports = new HashSet<int>();

        ProcNetSocketTable.Parse(Tcp.Split('\n'), ports, listeningOnly: true);

        Assert.That(ports, Is.EquivalentTo(new[] { 8080 }));
    }

    [Test]
    public void Parse_Udp6_CountsBoundSockets()
    {
        var ports = new HashSet<int>();

        ProcNetSocketTable.Parse(Udp6.Split('\n'), ports, listeningOnly: false);

        Assert.That(ports, Is.EquivalentTo(new[] { 27960 }));
    }

    [Test]
    public void Read_RealUdpSocket_IsSeen()
    {
        using var socket = new System.Net.Sockets.UdpClient(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        var port = ((System.Net.IPEndPoint)socket.Client.LocalEndPoint!).Port;

        var bound = new ProcNetSocketTable().Read(ownerPid: null);

        Assert.That(bound.Udp, Does.Contain(port));
        Assert.That(bound.TcpListening, Does.Not.Contain(port));
    }

    [Test]
    public void Read_OwnerPid_CountsOnlyThatProcessTreesSockets()
    {
        using var socket = new System.Net.Sockets.UdpClient(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        var port = ((System.Net.IPEndPoint)socket.Client.LocalEndPoint!).Port;

        var mine = new ProcNetSocketTable().Read(Environment.ProcessId);
        var somebodyElses = new ProcNetSocketTable().Read(1 << 22); // No such process: it holds no sockets.

        Assert.That(mine.Udp, Does.Contain(port));
        Assert.That(somebodyElses.Udp, Does.Not.Contain(port));
    }

    [Test]
    public void Of_ThisProcess_FindsTheInodeOfAnOpenSocket()
    {
        using var socket = new System.Net.Sockets.UdpClient(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        var port = ((System.Net.IPEndPoint)socket.Client.LocalEndPoint!).Port;
        var line = File.ReadLines("/proc/net/udp").Skip(1).First(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1].EndsWith($":{port:X4}", StringComparison.Ordinal));
        var inode = long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[9], System.Globalization.CultureInfo.InvariantCulture);

        Assert.That(ProcessSockets.Of(Environment.ProcessId), Does.Contain(inode));
    }
}
