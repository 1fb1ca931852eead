namespace Spotable.SpotAgent.Configuration;

/// <summary>The agent's settings, from arguments and environment, validated on start.</summary>
internal sealed record AgentOptions
{
    public required string NodeName { get; init; }

    /// <summary>The agent's own pod, never evicted (<c>POD_NAMESPACE</c>/<c>POD_NAME</c>).</summary>
    public string? PodName { get; init; }

    public string? PodNamespace { get; init; }

    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan SafetyMargin { get; init; } = TimeSpan.FromSeconds(5);

    public TimeSpan EvictionRetryInterval { get; init; } = TimeSpan.FromSeconds(5);

    public string GameSelector { get; init; } = "spotable.io/role=game-server";

    public RebalanceAction RebalanceAction { get; init; } = RebalanceAction.Cordon;

    public bool DryRun { get; init; }

    public string? QueueUrl { get; init; }

    public string Listen { get; init; } = "0.0.0.0:9464";

    public Microsoft.Extensions.Logging.LogLevel LogLevel { get; init; } = Microsoft.Extensions.Logging.LogLevel.Information;
}
