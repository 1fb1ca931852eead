using Spotable.Launcher.Ports;

namespace Spotable.Launcher.Readiness;

/// <summary>
/// Waits until the game has bound every port it was given, polling the socket table. A <c>udp</c> port needs a UDP
/// socket, a <c>tcp</c> port a listening TCP socket, a <c>both</c> port either one (many games serve one protocol on a
/// port reserved for both).
/// </summary>
internal sealed class ReadinessWatcher(ISocketTable table, TimeProvider time, TimeSpan pollInterval)
{
    /// <summary>True when every port was seen bound; false when <paramref name="timeout"/> passed first.</summary>
    public async Task<bool> WaitAsync(IReadOnlyList<PortLease> ports, int? ownerPid, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = time.GetUtcNow() + timeout;
        while (true)
        {
            var bound = table.Read(ownerPid);
            if (ports.All(p => IsBound(p, bound)))
            {
                return true;
            }

            var left = deadline - time.GetUtcNow();
            if (left <= TimeSpan.Zero)
            {
                return false;
            }

            await Task.Delay(left < pollInterval ? left : pollInterval, time, cancellationToken);
        }
    }

    public static IEnumerable<PortLease> Unbound(IReadOnlyList<PortLease> ports, BoundPorts bound) => ports.Where(p => !IsBound(p, bound));

    private static bool IsBound(PortLease lease, BoundPorts bound) => lease.Protocol switch
    {
        "udp" => bound.Udp.Contains(lease.Port),
        "tcp" => bound.TcpListening.Contains(lease.Port),
        _ => bound.Udp.Contains(lease.Port) || bound.TcpListening.Contains(lease.Port),
    };
}
