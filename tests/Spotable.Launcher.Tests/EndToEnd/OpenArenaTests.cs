using Spotable.Launcher.Readiness;
using Spotable.Launcher.Tests.Support;
using Spotable.Testing.Processes;

namespace Spotable.Launcher.Tests.EndToEnd;

/// <summary>The launcher wrapping a real game server: Debian's openarena-server (ioquake3).</summary>
public class OpenArenaTests
{
    private const string Server = "/usr/games/openarena-server";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private string _home = null!;

    [SetUp]
    public void SetUp()
    {
        Assert.That(File.Exists(Server), Is.True, $"{Server} is missing: run the README test command, which installs openarena-server");
        _home = Directory.CreateTempSubdirectory("openarena").FullName;
    }

    [TearDown]
    public void TearDown() => Directory.Delete(_home, recursive: true);

    /// <summary>
    /// LAN mode (dedicated 1) and empty master servers keep the server off the network; it binds 127.0.0.1 only.
    /// </summary>
    internal static string[] GameCommand() =>
    [
        Server, "+set", "dedicated", "1", "+set", "net_ip", "127.0.0.1", "+set", "net_port", "{port:game}",
        "+set", "net_enabled", "1", "+set", "sv_master1", "", "+set", "sv_master2", "", "+set", "sv_master3", "",
        "+set", "sv_hostname", "spotable-{server_id}", "+set", "com_hunkmegs", "64", "+map", "oa_dm1",
    ];

    [Test]
    public async Task OpenArena_LaunchedOnAllocatedPort_AnswersStatusAndEndsCleanlyOnSigterm()
    {
        using var launcher = LauncherProcess.Start(
            ["--port", "game:udp", "--lease-dir", Path.Combine(_home, "leases"), "--grace", "30s", "--server-id", "e2e/arena", "--", .. GameCommand()],
            new Dictionary<string, string> { ["HOME"] = _home });

        var ready = await launcher.WaitForLogAsync(e => e.TryGetProperty("eventId", out var id) && id.GetInt32() == 2040
            && e.GetProperty("event").GetProperty("type").GetString() == "ready", Timeout);
        var body = ready.GetProperty("event");
        var port = body.GetProperty("ports").GetProperty("game").GetProperty("port").GetInt32();

        // Ready means bound: the socket is in the table and the game answers on it right away.
        Assert.That(new ProcNetSocketTable().Read(ownerPid: null).Udp, Does.Contain(port));
        Assert.That(body.GetProperty("portsVerified").GetBoolean(), Is.True);
        var status = await Quake3Status.QueryAsync(port, TimeSpan.FromSeconds(5));
        Assert.That(status, Does.StartWith("\xff\xff\xff\xffstatusResponse"));
        Assert.That(status, Does.Contain("\\sv_hostname\\spotable-e2e/arena"));

        launcher.Signal(Posix.SIGTERM);
        var exitCode = await launcher.WaitForExitAsync(Timeout);

        var events = launcher.LoggedEvents;
        Assert.That(events.Select(e => e.GetProperty("type").GetString()), Is.EqualTo(new[] { "ready", "terminating", "exited" }));
        Assert.That(events.Select(e => e.GetProperty("serverId").GetString()), Has.All.EqualTo("e2e/arena"));
        Assert.That(events[1].TryGetProperty("deadline", out _), Is.True);
        // ioquake3 exits with status 1 when SIGTERM asks it to quit ("Received signal 15, exiting...").
        Assert.That(events[2].GetProperty("exitCode").GetInt32(), Is.EqualTo(exitCode));
        Assert.That(exitCode, Is.EqualTo(ExpectedSigtermExit(launcher)));
        Assert.That(await Quake3Status.QueryAsync(port, TimeSpan.FromMilliseconds(500)), Is.Null, "the server is gone");
    }

    private static int ExpectedSigtermExit(LauncherProcess launcher)
    {
        var said = string.Join('\n', launcher.Stdout.Concat(launcher.Stderr));
        Assert.That(said, Does.Contain("Received signal 15"), "the game itself received SIGTERM");
        return 1;
    }
}
