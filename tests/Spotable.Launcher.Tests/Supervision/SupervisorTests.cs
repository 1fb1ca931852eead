using Microsoft.Extensions.Logging.Abstractions;
using Spotable.Launcher.Supervision;
using Spotable.Testing;
using Spotable.Testing.Processes;

namespace Spotable.Launcher.Tests.Supervision;

/// <summary>
/// The grace period on a fake clock, with a real child that ignores SIGTERM. Inside the test host the supervisor
/// waits for its own child only; orphan reaping (waitpid(-1)) is tested on the launcher process in SupervisionTests.
/// </summary>
public class SupervisorTests
{
    private static readonly Dictionary<string, string> Environment = new() { ["PATH"] = "/usr/bin:/bin" };

    [Test]
    public async Task Terminate_ChildIgnoresSigterm_SigkillOnlyWhenGraceHasPassed()
    {
        var time = new FakeTimeProvider();
        using var supervisor = new Supervisor(NullLogger.Instance, time, reapOrphans: false);
        var ready = Path.Combine(Path.GetTempPath(), $"supervisor-{Guid.NewGuid():N}");
        var pid = supervisor.Start(["bash", "-c", $"trap '' TERM; touch {ready}; while :; do sleep 0.05; done"], Environment);
        try
        {
            while (!File.Exists(ready))
            {
                await Task.Delay(10);
            }

            supervisor.Terminate(Posix.SIGTERM, TimeSpan.FromSeconds(120));
            time.Advance(TimeSpan.FromSeconds(119));
            await Task.Delay(200); // Real time for a SIGKILL that must not come.
            Assert.That(supervisor.Exited.IsCompleted, Is.False, "killed before the grace period ended");

            time.Advance(TimeSpan.FromSeconds(1));
            var exit = await supervisor.Exited.WaitAsync(TimeSpan.FromSeconds(10));

            Assert.That(exit.Signaled, Is.True);
            Assert.That(exit.Signal, Is.EqualTo(Posix.SIGKILL));
            Assert.That(exit.ExitCode, Is.EqualTo(137));
        }
        finally
        {
            Posix.Kill(pid, Posix.SIGKILL);
            File.Delete(ready);
        }
    }

    [Test]
    public async Task Terminate_ChildExitsInTime_NoKillAndTimerGone()
    {
        var time = new FakeTimeProvider();
        using var supervisor = new Supervisor(NullLogger.Instance, time, reapOrphans: false);
        supervisor.Start(["sleep", "30"], Environment);

        supervisor.Terminate(Posix.SIGTERM, TimeSpan.FromSeconds(120));
        var exit = await supervisor.Exited.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.That(exit.ExitCode, Is.EqualTo(143));
        Assert.That(time.ActiveTimerCount, Is.EqualTo(0), "the SIGKILL timer is disposed once the game is reaped");
        Assert.That(supervisor.Signal(Posix.SIGTERM), Is.False, "a reaped PID is never signalled again");
    }

    [Test]
    public void Start_MissingCommand_Throws127()
    {
        using var supervisor = new Supervisor(NullLogger.Instance, new FakeTimeProvider(), reapOrphans: false);

        var error = Assert.Throws<SpawnException>(() => supervisor.Start(["no-such-game-server-binary"], Environment));

        Assert.That(error!.ExitCode, Is.EqualTo(127));
    }
}
