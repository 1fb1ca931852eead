namespace Spotable.Launcher.Supervision;

/// <summary>How the game ended, from its waitpid status.</summary>
internal sealed record ChildExit(int Status)
{
    public bool Signaled => Native.Signaled(Status);

    public int Signal => Signaled ? Native.TermSignal(Status) : 0;

    /// <summary>The shell's convention: the exit status, or 128 + the signal that killed it.</summary>
    public int ExitCode => Signaled ? 128 + Native.TermSignal(Status) : Native.ExitStatus(Status);
}
