using System.Runtime.InteropServices;

namespace Spotable.Testing.Processes;

/// <summary>Signals for tests: .NET's Process.Kill only sends SIGKILL.</summary>
public static partial class Posix
{
    public const int SIGHUP = 1, SIGINT = 2, SIGQUIT = 3, SIGKILL = 9, SIGUSR1 = 10, SIGUSR2 = 12, SIGTERM = 15;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int KillNative(int pid, int signal);

    /// <summary>Sends a signal to a process by its PID; false when it no longer exists.</summary>
    public static bool Kill(int pid, int signal) => KillNative(pid, signal) == 0;

    /// <summary>The PIDs of zombie processes whose parent is <paramref name="parentPid"/>, from /proc.</summary>
    public static IReadOnlyList<int> ZombieChildren(int parentPid)
    {
        var zombies = new List<int>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out var pid))
            {
                continue;
            }

            try
            {
                var status = File.ReadAllLines(Path.Combine(directory, "status"));
                var state = status.FirstOrDefault(l => l.StartsWith("State:", StringComparison.Ordinal));
                var parent = status.FirstOrDefault(l => l.StartsWith("PPid:", StringComparison.Ordinal));
                if (state is not null && parent is not null && state.Contains("Z (zombie)", StringComparison.Ordinal)
                    && int.Parse(parent[5..].Trim(), System.Globalization.CultureInfo.InvariantCulture) == parentPid)
                {
                    zombies.Add(pid);
                }
            }
            catch (IOException)
            {
                // The process ended while we looked.
            }
        }

        return zombies;
    }
}
