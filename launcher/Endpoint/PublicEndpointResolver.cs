using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Spotable.Common.Imds;

namespace Spotable.Launcher.Endpoint;

/// <summary>
/// Finds the node's public address from instance metadata. <c>PUBLIC_HOST</c> overrides the host players are given;
/// off AWS (IMDS disabled, unreachable or slow) it falls back within <see cref="Budget"/> to this machine's own address.
/// </summary>
internal sealed partial class PublicEndpointResolver(IImdsClient? imds, TimeProvider time, ILogger logger)
{
    public static readonly TimeSpan Budget = TimeSpan.FromSeconds(1);

    public async Task<PublicEndpoint> ResolveAsync(string? publicHostOverride, string? regionFallback, CancellationToken cancellationToken)
    {
        InstanceIdentity? identity = null;
        if (imds is not null)
        {
            using var budget = new CancellationTokenSource(Budget, time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(budget.Token, cancellationToken);
            try
            {
                identity = await imds.GetIdentityAsync(linked.Token);
            }
            catch (Exception e) when (e is ImdsException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                LogNoImds(logger, e.Message);
            }
        }

        var localIp = LocalAddress();
        var ip = identity?.PublicIpv4
            ?? (publicHostOverride is not null && IPAddress.TryParse(publicHostOverride, out var overrideIp) ? overrideIp.ToString() : null)
            ?? identity?.LocalIpv4
            ?? localIp;
        var host = publicHostOverride ?? NullIfEmpty(identity?.PublicHostname) ?? ip;
        return new PublicEndpoint(host, ip, identity?.InstanceId, identity?.Region ?? regionFallback, identity?.AvailabilityZone, identity?.Lifecycle, identity is not null);
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

    /// <summary>The first IPv4 address of an interface that is up and not loopback; 127.0.0.1 if there is none.</summary>
    internal static string LocalAddress()
    {
        try
        {
            foreach (var nic in NetworkInterface.GetAllNetworkInterfaces())
            {
                if (nic.OperationalStatus != OperationalStatus.Up || nic.NetworkInterfaceType == NetworkInterfaceType.Loopback)
                {
                    continue;
                }

                foreach (var address in nic.GetIPProperties().UnicastAddresses)
                {
                    if (address.Address.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(address.Address))
                    {
                        return address.Address.ToString();
                    }
                }
            }
        }
        catch (NetworkInformationException)
        {
            // Fall through to loopback.
        }

        return IPAddress.Loopback.ToString();
    }

    [LoggerMessage(EventId = 2030, Level = LogLevel.Information, Message = "instance metadata not available ({Reason}); using this machine's address")]
    private static partial void LogNoImds(ILogger logger, string reason);
}
