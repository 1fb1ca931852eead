using System.Runtime.InteropServices;
using System.Text;

namespace Spotable.Launcher.Supervision;

/// <summary>
/// Starts the game with posix_spawnp instead of <see cref="System.Diagnostics.Process"/>, because a PID-1 wrapper must
/// own every waitpid: System.Diagnostics.Process reaps only the children it started, and a reaper that calls
/// waitpid(-1) beside it would steal their exit statuses. posix_spawn also reports "not found" and "not executable"
/// synchronously, so the launcher can exit 127/126 with one clear line.
/// </summary>
internal static unsafe class ChildProcess
{
    public static int Spawn(IReadOnlyList<string> command, IReadOnlyDictionary<string, string> environment)
    {
        var allocations = new List<nint>();
        byte* Utf8(string value)
        {
            var pointer = Marshal.StringToCoTaskMemUTF8(value);
            allocations.Add(pointer);
            return (byte*)pointer;
        }

        var argv = (byte**)NativeMemory.AllocZeroed((nuint)(command.Count + 1), (nuint)sizeof(byte*));
        var envp = (byte**)NativeMemory.AllocZeroed((nuint)(environment.Count + 1), (nuint)sizeof(byte*));
        var attr = NativeMemory.AllocZeroed(Native.SpawnAttrSize);
        var mask = NativeMemory.AllocZeroed(Native.SigSetSize);
        var defaults = NativeMemory.AllocZeroed(Native.SigSetSize);
        try
        {
            for (var i = 0; i < command.Count; i++)
            {
                argv[i] = Utf8(command[i]);
            }

            var e = 0;
            foreach (var (key, value) in environment)
            {
                envp[e++] = Utf8(key + "=" + value);
            }

            Check(Native.PosixSpawnAttrInit(attr), "posix_spawnattr_init");
            try
            {
                // The runtime blocks and ignores signals for its own use (SIGPIPE is ignored, for one); a game
                // must start with the default dispositions and an empty mask, as it would from a shell.
                Check(Native.SigEmptySet(mask) == 0 ? 0 : Marshal.GetLastPInvokeError(), "sigemptyset");
                Check(Native.SigEmptySet(defaults) == 0 ? 0 : Marshal.GetLastPInvokeError(), "sigemptyset");
                for (var signal = 1; signal < 32; signal++)
                {
                    if (signal is not Native.SIGKILL and not Native.SIGSTOP)
                    {
                        _ = Native.SigAddSet(defaults, signal);
                    }
                }

                Check(Native.PosixSpawnAttrSetSigMask(attr, mask), "posix_spawnattr_setsigmask");
                Check(Native.PosixSpawnAttrSetSigDefault(attr, defaults), "posix_spawnattr_setsigdefault");
                // A session of its own (as dumb-init does): a terminal's Ctrl-C then reaches the launcher alone, which
                // forwards it once, and signals go to the game's whole process group, so a game started by a shell
                // script that does not exec still hears them.
                Check(Native.PosixSpawnAttrSetFlags(attr, Native.POSIX_SPAWN_SETSIGDEF | Native.POSIX_SPAWN_SETSIGMASK | Native.POSIX_SPAWN_SETSID), "posix_spawnattr_setflags");

                var error = Native.PosixSpawnp(out var pid, argv[0], null, attr, argv, envp);
                return error switch
                {
                    0 => pid,
                    Native.ENOENT or Native.ENOTDIR or Native.ELOOP => throw new SpawnException($"cannot run '{command[0]}': not found", 127),
                    Native.EACCES or Native.ENOEXEC => throw new SpawnException($"cannot run '{command[0]}': not executable", 126),
                    _ => throw new SpawnException($"cannot run '{command[0]}': {Marshal.GetPInvokeErrorMessage(error)}", 126),
                };
            }
            finally
            {
                _ = Native.PosixSpawnAttrDestroy(attr);
            }
        }
        finally
        {
            foreach (var pointer in allocations)
            {
                Marshal.FreeCoTaskMem(pointer);
            }

            NativeMemory.Free(argv);
            NativeMemory.Free(envp);
            NativeMemory.Free(attr);
            NativeMemory.Free(mask);
            NativeMemory.Free(defaults);
        }
    }

    private static void Check(int error, string call)
    {
        if (error != 0)
        {
            throw new SpawnException($"{call} failed: {Marshal.GetPInvokeErrorMessage(error)}", 126);
        }
    }

    /// <summary>Formats a command line for logs.</summary>
    public static string Describe(IReadOnlyList<string> command)
    {
        var builder = new StringBuilder();
        foreach (var word in command)
        {
            if (builder.Length > 0)
            {
                builder.Append(' ');
            }

            builder.Append(word.Contains(' ', StringComparison.Ordinal) ? "'" + word + "'" : word);
        }

        return builder.ToString();
    }
}
