namespace Spotable.SpotAgent.Configuration;

/// <summary>What a rebalance recommendation does: nothing but notify, cordon (stop new games), or drain the node.</summary>
internal enum RebalanceAction
{
    None,
    Cordon,
    Drain,
}
