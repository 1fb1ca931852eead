using System.Globalization;

namespace Spotable.Launcher.Readiness;

/// <summary>
/// Reads <c>/proc/net/{tcp,tcp6,udp,udp6}</c> of this network namespace (the node's, with hostNetwork). A line is
/// <c>sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode ...</c> with the local address as
/// <c>HEXIP:HEXPORT</c> and st 0A = LISTEN. Given the game's PID, only sockets its process tree holds are counted.
/// </summary>
internal sealed class ProcNetSocketTable(string root = "/proc/net") : ISocketTable
{
    private const string Listen = "0A";

    public BoundPorts Read(int? ownerPid)
    {
        var owned = ownerPid is { } pid ? ProcessSockets.Of(pid) : null;
        var tcp = new HashSet<int>();
        var udp = new HashSet<int>();
        Collect(Path.Combine(root, "tcp"), tcp, listeningOnly: true, owned);
        Collect(Path.Combine(root, "tcp6"), tcp, listeningOnly: true, owned);
        Collect(Path.Combine(root, "udp"), udp, listeningOnly: false, owned);
        Collect(Path.Combine(root, "udp6"), udp, listeningOnly: false, owned);
        return new BoundPorts(tcp, udp);
    }

    internal static void Parse(IEnumerable<string> lines, HashSet<int> ports, bool listeningOnly, IReadOnlySet<long>? owned = null)
    {
        foreach (var line in lines.Skip(1))
        {
            var fields = line.Split(' ', 11, StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 10)
            {
                continue;
            }

            var colon = fields[1].LastIndexOf(':');
            if (colon < 0 || (listeningOnly && fields[3] != Listen))
            {
                continue;
            }

            if (owned is not null
                && !(long.TryParse(fields[9], NumberStyles.None, CultureInfo.InvariantCulture, out var inode) && owned.Contains(inode)))
            {
                continue;
            }

            if (int.TryParse(fields[1].AsSpan(colon + 1), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var port))
            {
                ports.Add(port);
            }
        }
    }

    private static void Collect(string path, HashSet<int> ports, bool listeningOnly, IReadOnlySet<long>? owned)
    {
        try
        {
            Parse(File.ReadLines(path), ports, listeningOnly, owned);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // tcp6/udp6 are absent when IPv6 is disabled; the other tables still count.
        }
    }
}
