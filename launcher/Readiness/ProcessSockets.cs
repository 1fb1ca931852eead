using System.Globalization;

namespace Spotable.Launcher.Readiness;

/// <summary>
/// The socket inodes held by a process and all its descendants, from <c>/proc/&lt;pid&gt;/fd</c> links of the form
/// <c>socket:[inode]</c>. With hostNetwork the socket tables are the whole node's: only sockets the game itself holds
/// prove that the game bound its port.
/// </summary>
internal static class ProcessSockets
{
    /// <summary>Null when the tree cannot be read (another user's process, no /proc): callers then count any socket.</summary>
    public static IReadOnlySet<long>? Of(int rootPid, string proc = "/proc")
    {
        var inodes = new HashSet<long>();
        var pending = new Stack<int>();
        var seen = new HashSet<int>();
        pending.Push(rootPid);
        while (pending.TryPop(out var pid))
        {
            if (!seen.Add(pid))
            {
                continue;
            }

            try
            {
                foreach (var fd in Directory.EnumerateFileSystemEntries(Path.Combine(proc, pid.ToString(CultureInfo.InvariantCulture), "fd")))
                {
                    if (new FileInfo(fd).LinkTarget is { } target && target.StartsWith("socket:[", StringComparison.Ordinal)
                        && long.TryParse(target.AsSpan(8, target.Length - 9), NumberStyles.None, CultureInfo.InvariantCulture, out var inode))
                    {
                        inodes.Add(inode);
                    }
                }

                foreach (var child in Children(proc, pid))
                {
                    pending.Push(child);
                }
            }
            catch (UnauthorizedAccessException)
            {
                return null;
            }
            catch (Exception e) when (e is DirectoryNotFoundException or IOException)
            {
                // The process ended while we looked; its sockets are gone with it.
                if (pid == rootPid)
                {
                    return inodes;
                }
            }
        }

        return inodes;
    }

    private static IEnumerable<int> Children(string proc, int pid)
    {
        foreach (var task in Directory.EnumerateDirectories(Path.Combine(proc, pid.ToString(CultureInfo.InvariantCulture), "task")))
        {
            string children;
            try
            {
                children = File.ReadAllText(Path.Combine(task, "children"));
            }
            catch (IOException)
            {
                continue;
            }

            foreach (var word in children.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                if (int.TryParse(word, NumberStyles.None, CultureInfo.InvariantCulture, out var child))
                {
                    yield return child;
                }
            }
        }
    }
}
