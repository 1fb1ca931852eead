using System.Globalization;

namespace Spotable.Launcher.Readiness;

/// <summary>
/// Reads <c>/proc/net/{tcp,tcp6,udp,udp6}</c> of this network namespace (the node's, with hostNetwork). A line is
/// <c>sl local_address rem_address st ...</c> with the local address as <c>HEXIP:HEXPORT</c> and st 0A = LISTEN.
/// </summary>
internal sealed class ProcNetSocketTable(string root = "/proc/net") : ISocketTable
{
    private const string Listen = "0A";

    public BoundPorts Read()
    {
        var tcp = new HashSet<int>();
        var udp = new HashSet<int>();
        Collect(Path.Combine(root, "tcp"), tcp, listeningOnly: true);
        Collect(Path.Combine(root, "tcp6"), tcp, listeningOnly: true);
        Collect(Path.Combine(root, "udp"), udp, listeningOnly: false);
        Collect(Path.Combine(root, "udp6"), udp, listeningOnly: false);
        return new BoundPorts(tcp, udp);
    }

    internal static void Parse(IEnumerable<string> lines, HashSet<int> ports, bool listeningOnly)
    {
        foreach (var line in lines.Skip(1))
        {
            var fields = line.Split(' ', 5, StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 4)
            {
                continue;
            }

            var colon = fields[1].LastIndexOf(':');
            if (colon < 0 || (listeningOnly && fields[3] != Listen))
            {
                continue;
            }

            if (int.TryParse(fields[1].AsSpan(colon + 1), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var port))
            {
                ports.Add(port);
            }
        }
    }

    private static void Collect(string path, HashSet<int> ports, bool listeningOnly)
    {
        try
        {
            Parse(File.ReadLines(path), ports, listeningOnly);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // tcp6/udp6 are absent when IPv6 is disabled; the other tables still count.
        }
    }
}
