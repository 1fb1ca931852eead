namespace Spotable.Common.Events;

public static class NodeEventTypes
{
    public const string Interruption = "interruption";
    public const string Rebalance = "rebalance";
    public const string Maintenance = "maintenance";
    public const string MaintenanceCanceled = "maintenance-canceled";
}
