namespace Spotable.Launcher.Options;

/// <summary>Everything the launcher was told, from arguments and environment, validated.</summary>
internal sealed record LauncherOptions
{
    public const string DefaultLeaseDirectory = "/tmp/spotable-ports";

    public IReadOnlyList<PortRequest> Ports { get; init; } = [];

    /// <summary>Null lets the operating system choose, as binding port 0 does.</summary>
    public PortRange? PortRange { get; init; }

    public string LeaseDirectory { get; init; } = DefaultLeaseDirectory;

    public IReadOnlyList<RenderRequest> Renders { get; init; } = [];

    public TimeSpan Grace { get; init; } = TimeSpan.FromSeconds(120);

    public TimeSpan ReadyTimeout { get; init; } = TimeSpan.FromSeconds(60);

    public TimeSpan FlushTimeout { get; init; } = TimeSpan.FromSeconds(5);

    public string? QueueUrl { get; init; }

    public string? ServerId { get; init; }

    public string? PublicHost { get; init; }

    public PodIdentity Pod { get; init; } = new(null, null, null, null);

    public Microsoft.Extensions.Logging.LogLevel LogLevel { get; init; } = Microsoft.Extensions.Logging.LogLevel.Information;

    public required IReadOnlyList<string> Command { get; init; }

    public bool ShowHelp { get; init; }

    public bool ShowVersion { get; init; }
}
