using Microsoft.Extensions.Logging;
using Spotable.Common.Configuration;

namespace Spotable.SpotAgent.Configuration;

/// <summary>
/// Reads <c>spot-agent [options]</c>; every option also from an environment variable (a DaemonSet sets env).
/// Errors are <see cref="AgentOptionsException"/>s with one clear line; the agent exits 2 on them.
/// </summary>
internal static class AgentOptionsParser
{
    public const string Usage = """
        Usage: spot-agent [options]

        Node agent: turns Spot interruption, rebalance and maintenance notices into cordon, taint, SIGTERM for
        every game pod at once with all the time left as grace, a drain of the rest, and an SQS notice.

        Options (each also settable by the environment variable shown):
          --node NAME                 This node (required).                              NODE_NAME
          --poll-interval DURATION    IMDS poll interval (default 1s).                   SPOT_AGENT_POLL_INTERVAL
          --safety-margin DURATION    Kept free before the deadline (default 5s).        SPOT_AGENT_SAFETY_MARGIN
          --eviction-retry DURATION   Between evictions blocked by a PDB (default 5s).   SPOT_AGENT_EVICTION_RETRY
          --game-selector SELECTOR    Game pods (default spotable.io/role=game-server).   SPOT_AGENT_GAME_SELECTOR
          --rebalance-action ACTION   none, cordon or drain (default cordon).            SPOT_AGENT_REBALANCE_ACTION
          --dry-run                   Decide and log everything, change nothing.         SPOT_AGENT_DRY_RUN=true
          --queue-url URL             SQS queue for spotable.node/v1 notices.            SPOTABLE_QUEUE_URL
          --listen HOST:PORT          /healthz, /readyz, /metrics (default 0.0.0.0:9464). SPOT_AGENT_LISTEN
          --log-level LEVEL           trace, debug, info, warn, error (default info).    SPOT_AGENT_LOG_LEVEL
          -h, --help                  Show this help.

        Also read: POD_NAME, POD_NAMESPACE (the agent's own pod is never evicted), KUBECONFIG or the in-cluster
        service account, AWS_EC2_METADATA_SERVICE_ENDPOINT, AWS_REGION and the usual AWS credential variables.
        """;

    public static AgentOptions? Parse(IReadOnlyList<string> args, Func<string, string?> getEnv)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var dryRun = false;
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            var (name, inline) = arg.IndexOf('=', StringComparison.Ordinal) is var eq and > 0 ? (arg[..eq], arg[(eq + 1)..]) : (arg, null);
            switch (name)
            {
                case "-h" or "--help":
                    return null;
                case "--dry-run":
                    dryRun = inline is null || ParseBool("--dry-run", inline);
                    continue;
                case "--node" or "--poll-interval" or "--safety-margin" or "--eviction-retry" or "--game-selector"
                    or "--rebalance-action" or "--queue-url" or "--listen" or "--log-level":
                    values[name] = inline ?? (i + 1 < args.Count ? args[++i] : throw new AgentOptionsException($"option {name} needs a value"));
                    continue;
                default:
                    throw new AgentOptionsException($"unknown option {arg} (see --help)");
            }
        }

        string? Get(string option, string variable) =>
            values.TryGetValue(option, out var value) ? value : string.IsNullOrWhiteSpace(getEnv(variable)) ? null : getEnv(variable)!.Trim();

        var node = Get("--node", "NODE_NAME") ?? throw new AgentOptionsException("NODE_NAME is required (set it from the downward API: spec.nodeName)");
        var options = new AgentOptions
        {
            NodeName = node,
            PodName = Blank(getEnv("POD_NAME")),
            PodNamespace = Blank(getEnv("POD_NAMESPACE")),
            PollInterval = ParseDuration("--poll-interval", Get("--poll-interval", "SPOT_AGENT_POLL_INTERVAL"), TimeSpan.FromSeconds(1)),
            SafetyMargin = ParseDuration("--safety-margin", Get("--safety-margin", "SPOT_AGENT_SAFETY_MARGIN"), TimeSpan.FromSeconds(5), allowZero: true),
            EvictionRetryInterval = ParseDuration("--eviction-retry", Get("--eviction-retry", "SPOT_AGENT_EVICTION_RETRY"), TimeSpan.FromSeconds(5)),
            GameSelector = Get("--game-selector", "SPOT_AGENT_GAME_SELECTOR") ?? "spotable.io/role=game-server",
            RebalanceAction = (Get("--rebalance-action", "SPOT_AGENT_REBALANCE_ACTION") ?? "cordon").ToLowerInvariant() switch
            {
                "none" => RebalanceAction.None,
                "cordon" => RebalanceAction.Cordon,
                "drain" => RebalanceAction.Drain,
                var other => throw new AgentOptionsException($"bad rebalance action '{other}': use none, cordon or drain"),
            },
            DryRun = dryRun || (Blank(getEnv("SPOT_AGENT_DRY_RUN")) is { } env && ParseBool("SPOT_AGENT_DRY_RUN", env)),
            QueueUrl = Get("--queue-url", "SPOTABLE_QUEUE_URL"),
            Listen = Get("--listen", "SPOT_AGENT_LISTEN") ?? "0.0.0.0:9464",
            LogLevel = Get("--log-level", "SPOT_AGENT_LOG_LEVEL") is not { } level ? LogLevel.Information
                : OptionValues.TryParseLogLevel(level, out var parsed) ? parsed
                : throw new AgentOptionsException($"bad log level '{level}': {OptionValues.LogLevelHint}"),
        };

        if (options.PollInterval > TimeSpan.FromSeconds(30))
        {
            throw new AgentOptionsException($"--poll-interval {options.PollInterval.TotalSeconds}s is too long: a Spot notice gives two minutes (use 1s to 30s)");
        }

        if (options.SafetyMargin >= TimeSpan.FromSeconds(60))
        {
            throw new AgentOptionsException("--safety-margin must be under 60s: it is taken from the two minutes games get");
        }

        if (options.QueueUrl is not null && !OptionValues.IsQueueUrl(options.QueueUrl))
        {
            throw new AgentOptionsException($"bad queue URL '{options.QueueUrl}': {OptionValues.QueueUrlHint}");
        }

        var colon = options.Listen.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(options.Listen[(colon + 1)..], System.Globalization.CultureInfo.InvariantCulture, out var port) || port is < 0 or > 65535)
        {
            throw new AgentOptionsException($"bad listen address '{options.Listen}': expected HOST:PORT");
        }

        return options;
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static bool ParseBool(string name, string value) => value.ToLowerInvariant() switch
    {
        "true" or "1" or "yes" => true,
        "false" or "0" or "no" => false,
        _ => throw new AgentOptionsException($"bad {name} '{value}': use true or false"),
    };

    private static TimeSpan ParseDuration(string option, string? value, TimeSpan fallback, bool allowZero = false)
    {
        if (value is null)
        {
            return fallback;
        }

        if (!Duration.TryParse(value, out var duration) || (!allowZero && duration <= TimeSpan.Zero))
        {
            throw new AgentOptionsException($"bad duration for {option}: '{value}' (use 1s, 500ms, 2m)");
        }

        return duration;
    }
}
