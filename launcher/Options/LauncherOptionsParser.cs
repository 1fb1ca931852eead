using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Spotable.Common.Configuration;

namespace Spotable.Launcher.Options;

/// <summary>
/// Reads <c>launcher [options] -- command [args...]</c>. Every option can also come from an environment variable
/// (container style); an argument wins over its variable. Errors are <see cref="OptionsException"/>s with one clear line.
/// </summary>
internal static partial class LauncherOptionsParser
{
    public static LauncherOptions Parse(IReadOnlyList<string> args, Func<string, string?> getEnv)
    {
        List<string>? portArgs = null;
        List<string>? renderArgs = null;
        string? range = null, leaseDir = null, grace = null, readyTimeout = null, flushTimeout = null,
            queueUrl = null, serverId = null, logLevel = null;
        bool help = false, version = false;
        var command = new List<string>();

        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (arg == "--")
            {
                command.AddRange(args.Skip(i + 1));
                break;
            }

            if (!arg.StartsWith('-') || arg == "-")
            {
                // The first word that is not an option starts the command, as with tini and env.
                command.AddRange(args.Skip(i));
                break;
            }

            var (name, inline) = arg.IndexOf('=', StringComparison.Ordinal) is var eq and > 0 ? (arg[..eq], arg[(eq + 1)..]) : (arg, null);
            string Value()
            {
                if (inline is not null)
                {
                    return inline;
                }

                if (i + 1 >= args.Count)
                {
                    throw new OptionsException($"option {name} needs a value");
                }

                return args[++i];
            }

            switch (name)
            {
                case "-h" or "--help": help = true; break;
                case "--version": version = true; break;
                case "-p" or "--port": (portArgs ??= []).Add(Value()); break;
                case "--port-range": range = Value(); break;
                case "--lease-dir": leaseDir = Value(); break;
                case "--render": (renderArgs ??= []).Add(Value()); break;
                case "--grace": grace = Value(); break;
                case "--ready-timeout": readyTimeout = Value(); break;
                case "--flush-timeout": flushTimeout = Value(); break;
                case "--queue-url": queueUrl = Value(); break;
                case "--server-id": serverId = Value(); break;
                case "--log-level": logLevel = Value(); break;
                default: throw new OptionsException($"unknown option {name} (see --help)");
            }
        }

        if (help || version)
        {
            return new LauncherOptions { Command = command, ShowHelp = help, ShowVersion = version };
        }

        var ports = ParsePorts(portArgs ?? SplitList(getEnv("LAUNCHER_PORTS")));
        var options = new LauncherOptions
        {
            Ports = ports,
            PortRange = ParseRange(range ?? Blank(getEnv("LAUNCHER_PORT_RANGE"))),
            LeaseDirectory = leaseDir ?? Blank(getEnv("LAUNCHER_LEASE_DIR")) ?? LauncherOptions.DefaultLeaseDirectory,
            Renders = ParseRenders(renderArgs ?? SplitList(getEnv("LAUNCHER_RENDER"))),
            Grace = ParseDuration("--grace", grace ?? Blank(getEnv("LAUNCHER_GRACE")), TimeSpan.FromSeconds(120)),
            ReadyTimeout = ParseDuration("--ready-timeout", readyTimeout ?? Blank(getEnv("LAUNCHER_READY_TIMEOUT")), TimeSpan.FromSeconds(60)),
            FlushTimeout = ParseDuration("--flush-timeout", flushTimeout ?? Blank(getEnv("LAUNCHER_FLUSH_TIMEOUT")), TimeSpan.FromSeconds(5)),
            QueueUrl = ParseQueueUrl(queueUrl ?? Blank(getEnv("SPOTABLE_QUEUE_URL"))),
            ServerId = serverId ?? Blank(getEnv("SPOTABLE_SERVER_ID")),
            PublicHost = Blank(getEnv("PUBLIC_HOST")),
            Pod = new PodIdentity(Blank(getEnv("POD_NAME")), Blank(getEnv("POD_NAMESPACE")), Blank(getEnv("POD_UID")), Blank(getEnv("NODE_NAME"))),
            LogLevel = ParseLogLevel(logLevel ?? Blank(getEnv("LAUNCHER_LOG_LEVEL"))),
            Command = command,
        };

        if (options.Command.Count == 0)
        {
            throw new OptionsException("no command given: launcher [options] -- <command> [args...]");
        }

        if (options.Command[0].Length == 0)
        {
            throw new OptionsException("the command is an empty string");
        }

        // Placeholders in arguments must name declared ports: a typo would otherwise reach the game verbatim.
        foreach (var word in options.Command.Skip(1))
        {
            Placeholders.Validate(word, ports, "argument '" + word + "'");
        }

        return options;
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static List<string> SplitList(string? value) =>
        value is null ? [] : [.. value.Split([',', ' ', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];

    [GeneratedRegex("^[a-z0-9]([a-z0-9_.-]{0,61}[a-z0-9])?$", RegexOptions.CultureInvariant)]
    private static partial Regex PortNamePattern();

    private static List<PortRequest> ParsePorts(IEnumerable<string> specs)
    {
        var result = new List<PortRequest>();
        foreach (var spec in specs)
        {
            var parts = spec.Split(':');
            var name = parts[0].ToLowerInvariant();
            if (parts.Length > 2 || !PortNamePattern().IsMatch(name))
            {
                throw new OptionsException($"bad port '{spec}': expected NAME[:udp|tcp|both] with NAME of letters, digits, '-', '_' or '.'");
            }

            var protocol = parts.Length == 1 ? PortProtocol.Both : parts[1].ToLowerInvariant() switch
            {
                "udp" => PortProtocol.Udp,
                "tcp" => PortProtocol.Tcp,
                "both" or "tcpudp" => PortProtocol.Both,
                _ => throw new OptionsException($"bad port '{spec}': protocol must be udp, tcp or both"),
            };

            var request = new PortRequest(name, protocol);
            if (result.Any(p => p.EnvironmentVariable == request.EnvironmentVariable))
            {
                throw new OptionsException($"port '{name}' is declared twice");
            }

            result.Add(request);
        }

        return result;
    }

    private static PortRange? ParseRange(string? value)
    {
        if (value is null)
        {
            return null;
        }

        var parts = value.Split('-');
        if (parts.Length != 2
            || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var low)
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var high)
            || low < 1 || high > 65535 || low > high)
        {
            throw new OptionsException($"bad port range '{value}': expected LOW-HIGH with 1 <= LOW <= HIGH <= 65535");
        }

        return new PortRange(low, high);
    }

    private static List<RenderRequest> ParseRenders(IEnumerable<string> specs)
    {
        var result = new List<RenderRequest>();
        foreach (var spec in specs)
        {
            var colon = spec.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0 || colon == spec.Length - 1)
            {
                throw new OptionsException($"bad render '{spec}': expected SRC:DEST");
            }

            result.Add(new RenderRequest(spec[..colon], spec[(colon + 1)..]));
        }

        return result;
    }

    private static TimeSpan ParseDuration(string option, string? value, TimeSpan fallback)
    {
        if (value is null)
        {
            return fallback;
        }

        if (!Duration.TryParse(value, out var duration))
        {
            throw new OptionsException($"bad duration for {option}: '{value}' (use 90, 90s, 2m, 1h or 500ms)");
        }

        return duration;
    }

    private static string? ParseQueueUrl(string? value) =>
        value is null || OptionValues.IsQueueUrl(value) ? value : throw new OptionsException($"bad queue URL '{value}': {OptionValues.QueueUrlHint}");

    private static LogLevel ParseLogLevel(string? value) =>
        value is null ? LogLevel.Information
        : OptionValues.TryParseLogLevel(value, out var level) ? level
        : throw new OptionsException($"bad log level '{value}': {OptionValues.LogLevelHint}");
}
