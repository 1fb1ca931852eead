using System.Globalization;
using System.Net.Sockets;
using Spotable.Launcher.Ports;
using Spotable.Launcher.Tests.Support;
using Spotable.Testing.Processes;

namespace Spotable.Launcher.Tests.Ports;

/// <summary>Race-freedom across real launcher processes sharing one lease directory.</summary>
[NonParallelizable]
public class PortLeaseTests
{
    private const int Launchers = 200;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);
    private string _dir = null!;

    [SetUp]
    public void SetUp() => _dir = Directory.CreateTempSubdirectory("leases").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    // The game prints its PID and port, then sleeps; exec keeps the PID so the test can end it by PID.
    private LauncherProcess StartSleeper(string range) => LauncherProcess.Start(
        ["--port", "game", "--port-range", range, "--lease-dir", _dir, "--ready-timeout", "1h", "--grace", "5s",
         "--", "sh", "-c", "echo \"$$ $PORT_GAME\"; exec sleep 300"]);

    private static async Task<(int GamePid, int Port)> ReadGameAsync(LauncherProcess launcher)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (launcher.Stdout.Count == 0)
        {
            Assert.That(watch.Elapsed, Is.LessThan(Timeout), $"launcher {launcher.Pid} printed nothing; stderr:\n{string.Join('\n', launcher.Stderr)}");
            await Task.Delay(50);
        }

        var parts = launcher.Stdout[0].Split(' ');
        return (int.Parse(parts[0], CultureInfo.InvariantCulture), int.Parse(parts[1], CultureInfo.InvariantCulture));
    }

    [Test]
    public async Task Allocate_200ConcurrentLaunchers_GetPairwiseDistinctPortsFreeForTcpAndUdp()
    {
        var launchers = new List<LauncherProcess>();
        try
        {
            for (var i = 0; i < Launchers; i++)
            {
                launchers.Add(StartSleeper("21000-21999"));
            }

            var games = await Task.WhenAll(launchers.Select(ReadGameAsync));
            var ports = games.Select(g => g.Port).ToList();

            Assert.That(ports, Is.Unique);
            Assert.That(ports, Has.All.InRange(21000, 21999));

            // Every leased port was free for both protocols: nothing but the lease holds it, so binding works now.
            Assert.That(ports.Where(p => !PortLeaser.IsFree(p, SocketType.Stream) || !PortLeaser.IsFree(p, SocketType.Dgram)), Is.Empty);
        }
        finally
        {
            foreach (var launcher in launchers)
            {
                Posix.Kill(launcher.Pid, Posix.SIGTERM);
            }

            foreach (var launcher in launchers)
            {
                Assert.That(await launcher.WaitForExitAsync(Timeout), Is.EqualTo(128 + 15));
                launcher.Dispose();
            }
        }
    }

    [Test]
    public async Task Allocate_PortHeldByAnotherLauncher_IsNotHandedOutUntilThatLauncherIsKilled()
    {
        using var holder = StartSleeper("23456-23456");
        var (gamePid, port) = await ReadGameAsync(holder);
        Assert.That(port, Is.EqualTo(23456));

        using (var rival = StartSleeper("23456-23456"))
        {
            Assert.That(await rival.WaitForExitAsync(Timeout), Is.EqualTo(1));
            Assert.That(rival.Stderr, Has.Some.Contains("no free port for 'game' (both) in 23456-23456"));
        }

        // SIGKILL: no cleanup code runs in the launcher, the kernel alone releases its lock.
        holder.Signal(Posix.SIGKILL);
        Posix.Kill(gamePid, Posix.SIGKILL); // The orphaned game holds the launcher's output pipes open until it ends.
        await holder.WaitForExitAsync(Timeout);

        using var successor = StartSleeper("23456-23456");
        var (successorGame, successorPort) = await ReadGameAsync(successor);
        Assert.That(successorPort, Is.EqualTo(23456));
        successor.Signal(Posix.SIGTERM);
        Assert.That(await successor.WaitForExitAsync(Timeout), Is.EqualTo(128 + 15));
        Assert.That(Posix.Kill(successorGame, 0), Is.False, "the game ended with its launcher");
    }

    [Test]
    public async Task Allocate_PortBusyOutsideLaunchers_IsSkipped()
    {
        // A UDP socket that is not a launcher's sits on the first port of a two-port range.
        var busy = Enumerable.Range(24000, 1000).First(p =>
            PortLeaser.IsFree(p, SocketType.Dgram) && PortLeaser.IsFree(p, SocketType.Stream)
            && PortLeaser.IsFree(p + 1, SocketType.Dgram) && PortLeaser.IsFree(p + 1, SocketType.Stream));
        using var squatter = new UdpClient(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, busy));

        using var launcher = StartSleeper($"{busy}-{busy + 1}");
        var (_, port) = await ReadGameAsync(launcher);

        Assert.That(port, Is.EqualTo(busy + 1));
        launcher.Signal(Posix.SIGTERM);
        await launcher.WaitForExitAsync(Timeout);
    }
}
