namespace Spotable.Common.Imds;

/// <summary>An EC2 rebalance recommendation: the instance is at elevated risk of interruption.</summary>
public sealed record RebalanceRecommendation(DateTimeOffset NoticeTime);
