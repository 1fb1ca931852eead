using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging;
using Spotable.Launcher.Options;

namespace Spotable.Launcher.Ports;

/// <summary>
/// Hands out ports that no other launcher on the node holds and that are free, right now, for every protocol asked.
/// Two launchers cannot get the same port: a port is theirs only while they hold an exclusive lock on its lease file
/// in a directory all launchers on the node share. The seed's "bind port 0, close, hope" raced; this cannot.
/// </summary>
internal sealed partial class PortLeaser
{
    private const int OsChoiceAttempts = 200;
    private readonly string _directory;
    private readonly ILogger _logger;

    public PortLeaser(string directory, ILogger logger)
    {
        _directory = directory;
        _logger = logger;
    }

    public IReadOnlyList<PortLease> Allocate(IReadOnlyList<PortRequest> requests, PortRange? range, string owner)
    {
        if (requests.Count == 0)
        {
            return [];
        }

        try
        {
            Directory.CreateDirectory(_directory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new PortAllocationException($"cannot use lease directory '{_directory}': {e.Message}", e);
        }

        var leases = new List<PortLease>();
        try
        {
            foreach (var request in requests)
            {
                var lease = (range is null ? LeaseOsChosen(request, owner) : LeaseInRange(request, range, owner))
                    ?? throw new PortAllocationException(range is null
                        ? $"no free port for '{request.Name}' ({request.ProtocolName}) after {OsChoiceAttempts} tries"
                        : $"no free port for '{request.Name}' ({request.ProtocolName}) in {range.Low}-{range.High}: every port is leased or in use");
                leases.Add(lease);
                LogLeased(_logger, request.Name, lease.Port, request.ProtocolName);
            }

            return leases;
        }
        catch
        {
            foreach (var lease in leases)
            {
                lease.Dispose();
            }

            throw;
        }
    }

    private PortLease? LeaseInRange(PortRequest request, PortRange range, string owner)
    {
        // A random starting point spreads launchers that start together over the range instead of having all of
        // them fight for its first port.
        var start = Random.Shared.Next(range.Count);
        for (var i = 0; i < range.Count; i++)
        {
            var port = range.Low + ((start + i) % range.Count);
            if (TryLease(request, port, owner) is { } lease)
            {
                return lease;
            }
        }

        return null;
    }

    private PortLease? LeaseOsChosen(PortRequest request, string owner)
    {
        for (var i = 0; i < OsChoiceAttempts; i++)
        {
            var port = AskOsForPort(request.NeedsTcp ? SocketType.Stream : SocketType.Dgram);
            if (TryLease(request, port, owner) is { } lease)
            {
                return lease;
            }
        }

        return null;
    }

    private static int AskOsForPort(SocketType type)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, type, type == SocketType.Stream ? ProtocolType.Tcp : ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Any, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    private PortLease? TryLease(PortRequest request, int port, string owner)
    {
        FileStream file;
        try
        {
            // FileShare.None takes flock(LOCK_EX | LOCK_NB) on Unix: it fails at once if another launcher holds it.
            file = new FileStream(Path.Combine(_directory, port.ToString(CultureInfo.InvariantCulture) + ".lease"),
                FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, bufferSize: 0);
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException e)
        {
            throw new PortAllocationException($"cannot write leases in '{_directory}': {e.Message}", e);
        }

        // Leased by us now, but something that is not a launcher may still use the port: check each protocol.
        if ((request.NeedsTcp && !IsFree(port, SocketType.Stream)) || (request.NeedsUdp && !IsFree(port, SocketType.Dgram)))
        {
            file.Dispose();
            return null;
        }

        // Who holds the lease, for an operator reading the directory. Informational only; the lock is the truth.
        var note = Encoding.UTF8.GetBytes($"{owner} pid={Environment.ProcessId} name={request.Name} protocol={request.ProtocolName}\n");
        file.SetLength(0);
        file.Write(note);
        file.Flush();
        return new PortLease(request.Name, port, request.ProtocolName, file);
    }

    /// <summary>True when the port can be bound on every address, for IPv4 and (where the host has it) IPv6.</summary>
    internal static bool IsFree(int port, SocketType type)
    {
        var protocol = type == SocketType.Stream ? ProtocolType.Tcp : ProtocolType.Udp;
        try
        {
            using var v4 = new Socket(AddressFamily.InterNetwork, type, protocol);
            v4.Bind(new IPEndPoint(IPAddress.Any, port));
        }
        catch (SocketException)
        {
            return false;
        }

        if (!Socket.OSSupportsIPv6)
        {
            return true;
        }

        try
        {
            using var v6 = new Socket(AddressFamily.InterNetworkV6, type, protocol) { DualMode = false };
            v6.Bind(new IPEndPoint(IPAddress.IPv6Any, port));
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.AddressFamilyNotSupported or SocketError.AddressNotAvailable)
        {
            // IPv6 compiled in but disabled on this host: nothing can bind there.
        }
        catch (SocketException)
        {
            return false;
        }

        return true;
    }

    [LoggerMessage(EventId = 2020, Level = LogLevel.Information, Message = "port {Name} = {Port} ({Protocol})")]
    private static partial void LogLeased(ILogger logger, string name, int port, string protocol);
}
