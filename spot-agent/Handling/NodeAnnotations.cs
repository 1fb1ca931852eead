namespace Spotable.SpotAgent.Handling;

/// <summary>The names the agent writes on nodes. Operators may read them; they are part of the contract.</summary>
internal static class NodeAnnotations
{
    public const string Interruption = "spotable.io/interruption";
    public const string Rebalance = "spotable.io/rebalance";
    public const string Maintenance = "spotable.io/maintenance";

    public const string InterruptionTaint = "spotable.io/interruption";
    public const string RebalanceTaint = "spotable.io/rebalance";
    public const string MaintenanceTaint = "spotable.io/maintenance";

    public const string MirrorPod = "kubernetes.io/config.mirror";
}
