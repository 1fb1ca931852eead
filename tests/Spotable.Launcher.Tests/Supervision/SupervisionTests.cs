using System.Text.Json;
using Spotable.Launcher.Tests.Support;
using Spotable.Testing.Processes;

namespace Spotable.Launcher.Tests.Supervision;

/// <summary>The real launcher binary supervising real child processes.</summary>
public class SupervisionTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private string _dir = null!;

    [SetUp]
    public void SetUp() => _dir = Directory.CreateTempSubdirectory("supervision").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    private string[] Args(params string[] command) => ["--lease-dir", Path.Combine(_dir, "leases"), "--grace", "20s", "--", .. command];

    [TestCase(0)]
    [TestCase(7)]
    public async Task Run_ChildExits_LauncherExitsWithItsCode(int code)
    {
        using var launcher = LauncherProcess.Start(Args("sh", "-c", $"exit {code}"));

        Assert.That(await launcher.WaitForExitAsync(Timeout), Is.EqualTo(code));
        Assert.That(launcher.LoggedEvents.Last().GetProperty("exitCode").GetInt32(), Is.EqualTo(code));
    }

    [Test]
    public async Task Run_ChildKilledBySigterm_Exits143()
    {
        using var launcher = LauncherProcess.Start(Args("sh", "-c", "kill -TERM $$; sleep 5"));

        Assert.That(await launcher.WaitForExitAsync(Timeout), Is.EqualTo(128 + 15));
    }

    [Test]
    public async Task Run_CommandNotFound_Exits127WithOneLine()
    {
        using var launcher = LauncherProcess.Start(Args("/no/such/game-server"));

        Assert.That(await launcher.WaitForExitAsync(Timeout), Is.EqualTo(127));
        var errors = launcher.LogEntries.Where(e => e.GetProperty("level").GetString() == "error").ToList();
        Assert.That(errors, Has.Count.EqualTo(1));
        Assert.That(errors[0].GetProperty("message").GetString(), Is.EqualTo("cannot run '/no/such/game-server': not found"));
    }

    [Test]
    public async Task Run_CommandNotExecutable_Exits126()
    {
        var script = Path.Combine(_dir, "game.sh");
        await File.WriteAllTextAsync(script, "#!/bin/sh\nexit 0\n");

        using var launcher = LauncherProcess.Start(Args(script));

        Assert.That(await launcher.WaitForExitAsync(Timeout), Is.EqualTo(126));
        Assert.That(launcher.Stderr, Has.Some.Contains("not executable"));
    }

    [Test]
    public async Task Run_BadOption_Exits2WithOneLineAndStartsNothing()
    {
        var marker = Path.Combine(_dir, "started");

        using var launcher = LauncherProcess.Start(["--port", "game:icmp", "--", "touch", marker]);

        Assert.That(await launcher.WaitForExitAsync(Timeout), Is.EqualTo(2));
        Assert.That(launcher.Stderr, Is.EqualTo(new[] { "launcher: bad port 'game:icmp': protocol must be udp, tcp or both" }));
        Assert.That(File.Exists(marker), Is.False);
    }

    [TestCase(Posix.SIGHUP, "HUP")]
    [TestCase(Posix.SIGINT, "INT")]
    [TestCase(Posix.SIGQUIT, "QUIT")]
    [TestCase(Posix.SIGUSR1, "USR1")]
    [TestCase(Posix.SIGUSR2, "USR2")]
    [TestCase(Posix.SIGTERM, "TERM")]
    public async Task Signal_SentToLauncher_ArrivesAtTheGame(int signal, string name)
    {
        var received = Path.Combine(_dir, "received");
        var ready = Path.Combine(_dir, "ready");
        // The game records the signal and exits 0, so the launcher exits 0 too.
        var script = $"trap 'echo {name} > {received}; exit 0' {name}; touch {ready}; while :; do sleep 0.05 & wait $!; done";

        using var launcher = LauncherProcess.Start(Args("bash", "-c", script));
        await WaitForFileAsync(ready);
        launcher.Signal(signal);

        Assert.That(await launcher.WaitForExitAsync(Timeout), Is.EqualTo(0));
        Assert.That((await File.ReadAllTextAsync(received)).Trim(), Is.EqualTo(name));
    }

    [Test]
    public async Task Sigterm_GameUnderAShellThatDoesNotExec_StillReachesTheGame()
    {
        var received = Path.Combine(_dir, "received");
        var ready = Path.Combine(_dir, "ready");
        var pids = Path.Combine(_dir, "pids");
        // dash runs bash as a child (a command follows it, so no exec); a signal to dash alone would kill dash and
        // orphan the "game" without a word.
        var game = $"trap 'echo TERM > {received}; exit 0' TERM; touch {ready}; while :; do sleep 0.05 & wait $!; done";
        using var launcher = LauncherProcess.Start(Args("sh", "-c", $"echo $$ > {pids}; bash -c \"{game}\"; echo after"));
        await WaitForFileAsync(ready);
        var shell = int.Parse((await File.ReadAllTextAsync(pids)).Trim(), System.Globalization.CultureInfo.InvariantCulture);

        // The game leads a session of its own, so a terminal's Ctrl-C reaches only the launcher (and is forwarded once).
        var stat = (await File.ReadAllTextAsync($"/proc/{shell}/stat")).Split(')')[1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.That((stat[2], stat[3]), Is.EqualTo((shell.ToString(System.Globalization.CultureInfo.InvariantCulture), shell.ToString(System.Globalization.CultureInfo.InvariantCulture))), "process group and session led by the game");

        launcher.Signal(Posix.SIGTERM);

        Assert.That(await launcher.WaitForExitAsync(Timeout), Is.EqualTo(128 + 15), "dash itself dies of the SIGTERM");
        Assert.That((await File.ReadAllTextAsync(received)).Trim(), Is.EqualTo("TERM"));
    }

    [Test]
    public async Task Sigterm_GameIgnoresIt_KilledAfterGraceWithTerminatingEvent()
    {
        var ready = Path.Combine(_dir, "ready");
        using var launcher = LauncherProcess.Start(
            ["--lease-dir", Path.Combine(_dir, "leases"), "--grace", "1s", "--", "bash", "-c", $"trap '' TERM; touch {ready}; while :; do sleep 0.05; done"]);
        await WaitForFileAsync(ready);
        await launcher.WaitForLogAsync(e => e.GetProperty("message").GetString() == "event ready", Timeout);

        launcher.Signal(Posix.SIGTERM);

        Assert.That(await launcher.WaitForExitAsync(Timeout), Is.EqualTo(128 + 9));
        var events = launcher.LoggedEvents.Select(e => e.GetProperty("type").GetString()).ToList();
        Assert.That(events, Is.EqualTo(new[] { "ready", "terminating", "exited" }));
        var terminating = launcher.LoggedEvents[1];
        var deadline = DateTimeOffset.Parse(terminating.GetProperty("deadline").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        var time = DateTimeOffset.Parse(terminating.GetProperty("time").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.That(deadline - time, Is.EqualTo(TimeSpan.FromSeconds(1)).Within(TimeSpan.FromMilliseconds(50)));
        Assert.That(launcher.Stderr, Has.Some.Contains("killed with SIGKILL"));
    }

    [Test]
    public async Task Run_OrphanedGrandchild_IsReapedNotLeftAZombie()
    {
        var orphan = Path.Combine(_dir, "orphan");
        // The subshell starts a short sleep and exits at once: the sleep is orphaned, re-parents to the launcher
        // (a child subreaper, as PID 1 would be) and exits while the game still runs.
        var script = $"(sleep 0.2 & echo $! > {orphan}); exec sleep 30";
        using var launcher = LauncherProcess.Start(["--log-level", "debug", .. Args("sh", "-c", script)]);
        await WaitForFileAsync(orphan);
        var orphanPid = int.Parse((await File.ReadAllTextAsync(orphan)).Trim(), System.Globalization.CultureInfo.InvariantCulture);

        var reaped = await launcher.WaitForLogAsync(e => e.GetProperty("message").GetString() is { } m && m.StartsWith($"reaped orphan pid {orphanPid} ", StringComparison.Ordinal), Timeout);

        Assert.That(reaped.GetProperty("pid").GetInt32(), Is.EqualTo(orphanPid));
        Assert.That(Posix.ZombieChildren(launcher.Pid), Is.Empty);
        Assert.That(File.Exists($"/proc/{orphanPid}/status") && File.ReadAllText($"/proc/{orphanPid}/status").Contains("PPid:\t" + launcher.Pid, StringComparison.Ordinal), Is.False);
        launcher.Signal(Posix.SIGTERM);
        Assert.That(await launcher.WaitForExitAsync(Timeout), Is.EqualTo(128 + 15));
    }

    [Test]
    public async Task Run_GameNeverBindsItsPort_ReadyAfterTimeoutUnverifiedWithWarning()
    {
        using var launcher = LauncherProcess.Start(["--port", "game:udp", "--ready-timeout", "1s", .. Args("sleep", "3")]);

        var ready = await launcher.WaitForLogAsync(e => e.GetProperty("message").GetString() == "event ready", Timeout);

        Assert.That(ready.GetProperty("event").GetProperty("portsVerified").GetBoolean(), Is.False);
        var warning = launcher.LogEntries.Single(e => e.GetProperty("level").GetString() == "warn");
        Assert.That(warning.GetProperty("message").GetString(), Does.Contain("did not bind every port within 1s").And.Contains("game="));
        Assert.That(await launcher.WaitForExitAsync(Timeout), Is.EqualTo(0));
    }

    [Test]
    public async Task Run_SomeoneElseBindsTheGamesPort_NotCountedAsTheGameBeingReady()
    {
        // The game announces its port and never binds it; this test process binds it instead.
        using var launcher = LauncherProcess.Start(["--port", "game:udp", "--ready-timeout", "2s", .. Args("sh", "-c", "echo $PORT_GAME; exec sleep 30")]);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (launcher.Stdout.Count == 0)
        {
            Assert.That(watch.Elapsed, Is.LessThan(Timeout));
            await Task.Delay(20);
        }

        var port = int.Parse(launcher.Stdout[0], System.Globalization.CultureInfo.InvariantCulture);
        using var squatter = new System.Net.Sockets.UdpClient(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, port));

        var ready = await launcher.WaitForLogAsync(e => e.GetProperty("message").GetString() == "event ready", Timeout);

        Assert.That(ready.GetProperty("event").GetProperty("portsVerified").GetBoolean(), Is.False);
        launcher.Signal(Posix.SIGTERM);
        Assert.That(await launcher.WaitForExitAsync(Timeout), Is.EqualTo(128 + 15));
    }

    [Test]
    public async Task Run_GameOutput_PassesThroughUntouched()
    {
        using var launcher = LauncherProcess.Start(Args("sh", "-c", "echo 'plain stdout {not json}'; echo 'plain stderr' >&2"));

        Assert.That(await launcher.WaitForExitAsync(Timeout), Is.EqualTo(0));
        Assert.That(launcher.Stdout, Is.EqualTo(new[] { "plain stdout {not json}" }));
        Assert.That(launcher.Stderr, Does.Contain("plain stderr"));
        Assert.That(launcher.Stderr.Where(l => l != "plain stderr"), Has.All.StartsWith("{"));
    }

    [Test]
    public async Task Run_Ports_ReachTheGameByEnvironmentArgumentsAndRenderedFiles()
    {
        var template = Path.Combine(_dir, "server.properties.tpl");
        var rendered = Path.Combine(_dir, "out", "server.properties");
        await File.WriteAllTextAsync(template, "server-port={port:game}\nrcon.port={port:rcon}\nmotd={hello}\n");

        using var launcher = LauncherProcess.Start(
            ["--port", "game:udp", "--port", "rcon:tcp", "--render", $"{template}:{rendered}", "--ready-timeout", "0",
             .. Args("sh", "-c", "echo \"env=$PORT_GAME,$PORT_RCON arg=$0\"", "{port:game}")]);

        Assert.That(await launcher.WaitForExitAsync(Timeout), Is.EqualTo(0));
        var ports = launcher.LoggedEvents.Last().GetProperty("ports");
        var game = ports.GetProperty("game").GetProperty("port").GetInt32();
        var rcon = ports.GetProperty("rcon").GetProperty("port").GetInt32();
        Assert.That(launcher.Stdout, Is.EqualTo(new[] { $"env={game},{rcon} arg={game}" }));
        Assert.That(await File.ReadAllTextAsync(rendered), Is.EqualTo($"server-port={game}\nrcon.port={rcon}\nmotd={{hello}}\n"));
        Assert.That(ports.GetProperty("game").GetProperty("protocol").GetString(), Is.EqualTo("udp"));
    }

    private static async Task WaitForFileAsync(string path)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (!File.Exists(path) || new FileInfo(path).Length == 0 && path.EndsWith("orphan", StringComparison.Ordinal))
        {
            Assert.That(watch.Elapsed, Is.LessThan(Timeout), $"{path} never appeared");
            await Task.Delay(20);
        }
    }
}
