namespace Spotable.Common.Imds;

/// <summary>What Spotable needs from the EC2 instance metadata service, nothing more.</summary>
public interface IImdsClient
{
    /// <summary>Reads <paramref name="path"/> under <c>/latest/meta-data/</c>; null when IMDS answers 404.</summary>
    Task<string?> GetMetadataAsync(string path, CancellationToken cancellationToken);

    Task<InstanceIdentity> GetIdentityAsync(CancellationToken cancellationToken);

    /// <summary><c>spot/instance-action</c>; null when no interruption is scheduled (404).</summary>
    Task<SpotInstanceAction?> GetSpotInstanceActionAsync(CancellationToken cancellationToken);

    /// <summary><c>events/recommendations/rebalance</c>; null when there is no recommendation (404).</summary>
    Task<RebalanceRecommendation?> GetRebalanceRecommendationAsync(CancellationToken cancellationToken);

    /// <summary><c>events/maintenance/scheduled</c>; empty when none.</summary>
    Task<IReadOnlyList<ScheduledMaintenanceEvent>> GetScheduledMaintenanceEventsAsync(CancellationToken cancellationToken);
}
