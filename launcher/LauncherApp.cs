using System.Collections;
using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Spotable.Common.Events;
using Spotable.Launcher.Endpoint;
using Spotable.Launcher.Options;
using Spotable.Launcher.Ports;
using Spotable.Launcher.Publishing;
using Spotable.Launcher.Readiness;
using Spotable.Launcher.Supervision;

namespace Spotable.Launcher;

/// <summary>
/// One game server's life: lease ports, find the public address, render config, start the game, publish
/// <c>ready</c> once its ports are bound, turn SIGTERM into <c>terminating</c> + grace + SIGKILL, publish
/// <c>exited</c>, and exit with the game's code.
/// </summary>
internal sealed partial class LauncherApp : IDisposable
{
    /// <summary>The launcher failed before the game could start (no port, unusable lease directory, unwritable render target).</summary>
    public const int StartFailureExitCode = 1;

    /// <summary>A bad option, environment variable or template placeholder.</summary>
    public const int UsageExitCode = 2;

    private static readonly TimeSpan ReadinessPollInterval = TimeSpan.FromMilliseconds(100);

    private readonly LauncherOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly PortLeaser _leaser;
    private readonly PublicEndpointResolver _endpoints;
    private readonly IEventSink _events;
    private readonly ISocketTable _sockets;
    private readonly Supervisor _supervisor;
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _terminating = new();
    private Func<string, DateTimeOffset?, GameServerEvent>? _makeEvent;
    private bool _started;

    public LauncherApp(LauncherOptions options, ILoggerFactory loggers, TimeProvider time, PublicEndpointResolver endpoints, IEventSink events, ISocketTable sockets)
    {
        _options = options;
        _logger = loggers.CreateLogger("Spotable.Launcher");
        _time = time;
        _leaser = new PortLeaser(options.LeaseDirectory, _logger);
        _endpoints = endpoints;
        _events = events;
        _sockets = sockets;
        _supervisor = new Supervisor(loggers.CreateLogger("Spotable.Launcher.Supervisor"), time);
    }

    public async Task<int> RunAsync()
    {
        _supervisor.BecomeSubreaper();
        var registrations = RegisterSignals();
        try
        {
            return await RunGameAsync();
        }
        finally
        {
            foreach (var registration in registrations)
            {
                registration.Dispose();
            }
        }
    }

    private async Task<int> RunGameAsync()
    {
        var endpointTask = _endpoints.ResolveAsync(_options.PublicHost, Environment.GetEnvironmentVariable("AWS_REGION"), CancellationToken.None);
        var serverId = _options.ServerId
            ?? (_options.Pod is { Namespace: { } ns, Name: { } pod } ? $"{ns}/{pod}" : $"{Environment.MachineName}/{Environment.ProcessId}");

        IReadOnlyList<PortLease> leases;
        try
        {
            leases = _leaser.Allocate(_options.Ports, _options.PortRange, serverId);
        }
        catch (PortAllocationException e)
        {
            LogStartFailed(_logger, e.Message);
            return StartFailureExitCode;
        }

        try
        {
            var endpoint = await endpointTask;
            LogEndpoint(_logger, endpoint.Host, endpoint.Ip, endpoint.InstanceId, endpoint.Lifecycle);
            var ports = leases.ToDictionary(l => l.Name, l => l.Port);
            var values = new Dictionary<string, string>
            {
                ["public_host"] = endpoint.Host,
                ["public_ip"] = endpoint.Ip,
                ["server_id"] = serverId,
            };

            var portBindings = leases.ToDictionary(l => l.Name, l => new PortBinding(l.Port, l.Protocol));
            _makeEvent = (type, deadline) => new GameServerEvent
            {
                Type = type,
                ServerId = serverId,
                Time = RfcTime.Format(_time.GetUtcNow()),
                PublicHost = endpoint.Host,
                PublicIp = endpoint.Ip,
                InstanceId = endpoint.InstanceId,
                Region = endpoint.Region,
                Zone = endpoint.Zone,
                Lifecycle = endpoint.Lifecycle,
                Node = _options.Pod.Node,
                Ports = portBindings,
                Deadline = deadline is { } d ? RfcTime.Format(d) : null,
            };

            try
            {
                foreach (var render in _options.Renders)
                {
                    TemplateRenderer.Render(render, _options.Ports, ports, values);
                    LogRendered(_logger, render.Source, render.Destination);
                }
            }
            catch (OptionsException e)
            {
                LogStartFailed(_logger, e.Message);
                return UsageExitCode;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                LogStartFailed(_logger, e.Message);
                return StartFailureExitCode;
            }

            var command = _options.Command.Select(word => Placeholders.Apply(word, ports, values)).ToList();
            var environment = ChildEnvironment(leases, endpoint, serverId);

            lock (_gate)
            {
                if (_terminating.IsCancellationRequested)
                {
                    LogStoppedBeforeStart(_logger);
                    return 128 + Native.SIGTERM;
                }

                try
                {
                    var pid = _supervisor.Start(command, environment);
                    LogStarted(_logger, pid, ChildProcess.Describe(command));
                }
                catch (SpawnException e)
                {
                    LogStartFailed(_logger, e.Message);
                    return e.ExitCode;
                }

                _started = true;
            }

            var readiness = WatchReadinessAsync(leases);
            var exit = await _supervisor.Exited;
            await _terminating.CancelAsync();
            await readiness;

            if (exit.Signaled)
            {
                LogExitedBySignal(_logger, Native.SignalName(exit.Signal), exit.ExitCode);
            }
            else
            {
                LogExited(_logger, exit.ExitCode);
            }

            lock (_gate)
            {
                _events.Publish(_makeEvent(GameServerEventTypes.Exited, null) with { ExitCode = exit.ExitCode });
            }

            if (!await _events.FlushAsync(_options.FlushTimeout))
            {
                LogFlushIncomplete(_logger, _options.FlushTimeout.TotalSeconds);
            }

            return exit.ExitCode;
        }
        finally
        {
            foreach (var lease in leases)
            {
                lease.Dispose();
            }
        }
    }

    private async Task WatchReadinessAsync(IReadOnlyList<PortLease> leases)
    {
        var watcher = new ReadinessWatcher(_sockets, _time, ReadinessPollInterval);
        bool verified;
        try
        {
            verified = await watcher.WaitAsync(leases, _supervisor.Pid, _options.ReadyTimeout, _terminating.Token);
        }
        catch (OperationCanceledException)
        {
            return; // The game exited or is terminating before it was ready: no ready event.
        }

        if (!verified)
        {
            var missing = string.Join(", ", ReadinessWatcher.Unbound(leases, _sockets.Read(_supervisor.Pid)).Select(l => $"{l.Name}={l.Port}/{l.Protocol}"));
            LogReadyUnverified(_logger, _options.ReadyTimeout.TotalSeconds, missing);
        }
        else
        {
            LogReady(_logger);
        }

        lock (_gate)
        {
            if (!_terminating.IsCancellationRequested)
            {
                _events.Publish(_makeEvent!(GameServerEventTypes.Ready, null) with { PortsVerified = verified });
            }
        }
    }

    private Dictionary<string, string> ChildEnvironment(IReadOnlyList<PortLease> leases, PublicEndpoint endpoint, string serverId)
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in Environment.GetEnvironmentVariables())
        {
            environment[(string)entry.Key] = (string?)entry.Value ?? string.Empty;
        }

        foreach (var lease in leases)
        {
            environment[_options.Ports.First(p => p.Name == lease.Name).EnvironmentVariable] = lease.Port.ToString(CultureInfo.InvariantCulture);
        }

        environment["SPOTABLE_SERVER_ID"] = serverId;
        environment["SPOTABLE_PUBLIC_HOST"] = endpoint.Host;
        environment["SPOTABLE_PUBLIC_IP"] = endpoint.Ip;
        return environment;
    }

    private List<PosixSignalRegistration> RegisterSignals()
    {
        var registrations = new List<PosixSignalRegistration>();
        void On(PosixSignal signal, int number) =>
            registrations.Add(PosixSignalRegistration.Create(signal, context =>
            {
                context.Cancel = true; // The game decides when to end; the launcher follows it.
                OnSignal(number);
            }));

        On(PosixSignal.SIGTERM, Native.SIGTERM);
        On(PosixSignal.SIGINT, Native.SIGINT);
        On(PosixSignal.SIGHUP, Native.SIGHUP);
        On(PosixSignal.SIGQUIT, Native.SIGQUIT);

        // PosixSignal names only portable signals; on Linux a raw signal number cast to PosixSignal is accepted.
        On((PosixSignal)Native.SIGUSR1, Native.SIGUSR1);
        On((PosixSignal)Native.SIGUSR2, Native.SIGUSR2);
        return registrations;
    }

    private void OnSignal(int signal)
    {
        lock (_gate)
        {
            var terminate = signal is Native.SIGTERM or Native.SIGINT;
            if (!_started)
            {
                if (terminate)
                {
                    _terminating.Cancel();
                }

                return;
            }

            if (!terminate || _terminating.IsCancellationRequested)
            {
                LogForwarded(_logger, Native.SignalName(signal));
                _supervisor.Signal(signal);
                return;
            }

            // terminating goes out before the game hears of it: a game that exits at once must not have its
            // exited event overtake this one.
            _terminating.Cancel();
            LogTerminating(_logger, Native.SignalName(signal), _options.Grace.TotalSeconds);
            _events.Publish(_makeEvent!(GameServerEventTypes.Terminating, _time.GetUtcNow() + _options.Grace));
            _supervisor.Terminate(signal, _options.Grace);
        }
    }

    public void Dispose()
    {
        _supervisor.Dispose();
        _terminating.Dispose();
    }

    [LoggerMessage(EventId = 2001, Level = LogLevel.Error, Message = "{Reason}")]
    private static partial void LogStartFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Information, Message = "public endpoint {PublicHost} ({PublicIp}), instance {InstanceId}, lifecycle {Lifecycle}")]
    private static partial void LogEndpoint(ILogger logger, string publicHost, string publicIp, string? instanceId, string? lifecycle);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Information, Message = "rendered {Source} to {Destination}")]
    private static partial void LogRendered(ILogger logger, string source, string destination);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Information, Message = "game started, pid {Pid}: {Command}")]
    private static partial void LogStarted(ILogger logger, int pid, string command);

    [LoggerMessage(EventId = 2005, Level = LogLevel.Information, Message = "game ready: every port is bound")]
    private static partial void LogReady(ILogger logger);

    [LoggerMessage(EventId = 2006, Level = LogLevel.Warning, Message = "game did not bind every port within {TimeoutSeconds}s (unbound: {Unbound}); publishing ready with portsVerified=false")]
    private static partial void LogReadyUnverified(ILogger logger, double timeoutSeconds, string unbound);

    [LoggerMessage(EventId = 2007, Level = LogLevel.Information, Message = "{Signal} received: game told to stop, SIGKILL in {GraceSeconds}s")]
    private static partial void LogTerminating(ILogger logger, string signal, double graceSeconds);

    [LoggerMessage(EventId = 2008, Level = LogLevel.Information, Message = "{Signal} forwarded to the game")]
    private static partial void LogForwarded(ILogger logger, string signal);

    [LoggerMessage(EventId = 2009, Level = LogLevel.Information, Message = "game exited with code {ExitCode}")]
    private static partial void LogExited(ILogger logger, int exitCode);

    [LoggerMessage(EventId = 2014, Level = LogLevel.Information, Message = "game killed by {Signal} (exit code {ExitCode})")]
    private static partial void LogExitedBySignal(ILogger logger, string signal, int exitCode);

    [LoggerMessage(EventId = 2015, Level = LogLevel.Warning, Message = "stopped before the game started")]
    private static partial void LogStoppedBeforeStart(ILogger logger);

    [LoggerMessage(EventId = 2016, Level = LogLevel.Warning, Message = "events still undelivered after {FlushSeconds}s; exiting anyway")]
    private static partial void LogFlushIncomplete(ILogger logger, double flushSeconds);
}
