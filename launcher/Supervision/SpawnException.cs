namespace Spotable.Launcher.Supervision;

/// <summary>The game could not be started: exit 127 when not found, 126 when not executable (the shell's convention).</summary>
internal sealed class SpawnException(string message, int exitCode) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}
