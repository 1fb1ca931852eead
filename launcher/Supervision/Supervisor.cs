using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;

namespace Spotable.Launcher.Supervision;

/// <summary>
/// PID-1 duties for one game process: start it, forward signals to it, reap every zombie that lands on this process
/// (orphans re-parent here when we are PID 1, or a child subreaper otherwise), and after a termination request wait
/// the grace period, then SIGKILL.
/// </summary>
internal sealed partial class Supervisor : IDisposable
{
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly bool _reapOrphans;
    private readonly TaskCompletionSource<ChildExit> _exit = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _gate = new();
    private int _pid;
    private bool _exited;
    private ITimer? _killTimer;

    /// <param name="reapOrphans">
    /// Wait for any child (waitpid(-1)), as PID 1 must. False waits for the game alone, for hosts that start other
    /// processes of their own (a test runner) whose exit statuses must not be taken from them.
    /// </param>
    public Supervisor(ILogger logger, TimeProvider time, bool reapOrphans = true)
    {
        _logger = logger;
        _time = time;
        _reapOrphans = reapOrphans;
    }

    public Task<ChildExit> Exited => _exit.Task;

    public int Pid => _pid;

    /// <summary>Makes orphaned descendants re-parent to this process, as they would to PID 1, so they can be reaped.</summary>
    public void BecomeSubreaper()
    {
        if (Environment.ProcessId != 1 && Native.Prctl(Native.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0)
        {
            LogSubreaperFailed(_logger, Marshal.GetLastPInvokeError());
        }
    }

    public int Start(IReadOnlyList<string> command, IReadOnlyDictionary<string, string> environment)
    {
        lock (_gate)
        {
            _pid = ChildProcess.Spawn(command, environment);
        }

        var reaper = new Thread(Reap) { IsBackground = true, Name = "reaper" };
        reaper.Start();
        return _pid;
    }

    /// <summary>
    /// Sends a signal to the game's process group (the game leads it: it was started in a session of its own), or to
    /// the game alone if it has left that group; never once the game has been reaped (its PID could be another's).
    /// </summary>
    public bool Signal(int signal)
    {
        lock (_gate)
        {
            if (_pid == 0 || _exited)
            {
                return false;
            }

            if (Native.Kill(-_pid, signal) != 0 && Native.Kill(_pid, signal) != 0)
            {
                LogSignalFailed(_logger, Native.SignalName(signal), _pid, Marshal.GetLastPInvokeError());
                return false;
            }

            return true;
        }
    }

    /// <summary>Forwards the signal now and SIGKILLs the game when the grace period ends.</summary>
    public void Terminate(int signal, TimeSpan grace)
    {
        lock (_gate)
        {
            _killTimer ??= _time.CreateTimer(_ => Kill(), null, grace, Timeout.InfiniteTimeSpan);
        }

        Signal(signal);
    }

    private void Kill()
    {
        if (Signal(Native.SIGKILL))
        {
            LogGraceExpired(_logger, _pid);
        }
    }

    private void Reap()
    {
        while (true)
        {
            var pid = Native.WaitPid(_reapOrphans ? -1 : _pid, out var status, 0);
            if (pid < 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                if (errno == Native.EINTR)
                {
                    continue;
                }

                // ECHILD: nothing left to wait for. Orphans that arrive later find no reaper, but by then the
                // game has exited and the launcher is on its way out too.
                return;
            }

            if (pid == _pid)
            {
                lock (_gate)
                {
                    _exited = true;
                    _killTimer?.Dispose();
                }

                _exit.TrySetResult(new ChildExit(status));
                if (!_reapOrphans)
                {
                    return;
                }
            }
            else
            {
                LogReapedOrphan(_logger, pid, new ChildExit(status).ExitCode);
            }
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _killTimer?.Dispose();
        }
    }

    [LoggerMessage(EventId = 2010, Level = LogLevel.Warning, Message = "could not become a child subreaper (errno {Errno}); orphans of the game will be reaped by init")]
    private static partial void LogSubreaperFailed(ILogger logger, int errno);

    [LoggerMessage(EventId = 2011, Level = LogLevel.Warning, Message = "could not send {Signal} to the game (pid {Pid}, errno {Errno})")]
    private static partial void LogSignalFailed(ILogger logger, string signal, int pid, int errno);

    [LoggerMessage(EventId = 2012, Level = LogLevel.Warning, Message = "grace period over, game (pid {Pid}) killed with SIGKILL")]
    private static partial void LogGraceExpired(ILogger logger, int pid);

    [LoggerMessage(EventId = 2013, Level = LogLevel.Debug, Message = "reaped orphan pid {Pid} (status {ExitCode})")]
    private static partial void LogReapedOrphan(ILogger logger, int pid, int exitCode);
}
