using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Spotable.Common.Imds;
using Spotable.SpotAgent.Configuration;
using Spotable.SpotAgent.Handling;
using Spotable.SpotAgent.Telemetry;

namespace Spotable.SpotAgent.Polling;

/// <summary>
/// Polls instance metadata every interval for the three notices. The loop is trivial; one iteration is
/// <see cref="PollOnceAsync"/>, which tests call directly. IMDS trouble (401, 429, 5xx, timeouts, bad JSON) is
/// logged, counted and skips the rest of that iteration, but the next poll still comes one interval later: the
/// agent acts within one interval after IMDS recovers, and no error stops the loop.
/// </summary>
internal sealed partial class NoticePoller(
    IImdsClient imds,
    NoticeResponder responder,
    NodeOperations node,
    AgentOptions options,
    AgentMetrics metrics,
    AgentHealth health,
    TimeProvider time,
    ILogger<NoticePoller> logger) : BackgroundService
{
    private InstanceIdentity? _identity;
    private int _errorsInARow;
    private bool _ready;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        LogStarted(logger, options.NodeName, options.PollInterval.TotalSeconds, options.DryRun);
        while (!stoppingToken.IsCancellationRequested)
        {
            await PollOnceAsync(stoppingToken);
            try
            {
                await Task.Delay(options.PollInterval, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    internal async Task PollOnceAsync(CancellationToken stoppingToken)
    {
        try
        {
            _identity ??= await imds.GetIdentityAsync(stoppingToken);

            var spot = await imds.GetSpotInstanceActionAsync(stoppingToken);
            if (spot is not null)
            {
                responder.OnSpotInterruption(spot, _identity, stoppingToken);
            }

            var rebalance = await imds.GetRebalanceRecommendationAsync(stoppingToken);
            if (rebalance is not null)
            {
                responder.OnRebalance(rebalance, _identity, stoppingToken);
            }

            var maintenance = await imds.GetScheduledMaintenanceEventsAsync(stoppingToken);
            if (maintenance.Count > 0)
            {
                responder.OnMaintenance(maintenance, _identity, stoppingToken);
            }

            metrics.RecordPoll(spot is null && rebalance is null && maintenance.Count == 0 ? "not_found" : "ok");
            if (_errorsInARow > 0)
            {
                LogRecovered(logger, _errorsInARow);
                _errorsInARow = 0;
            }

            await MarkReadyOnceAsync(stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            return;
        }
        catch (Exception e) when (e is ImdsException or OperationCanceledException or HttpRequestException)
        {
            var result = Classify(e);
            metrics.RecordPoll(result);
            _errorsInARow++;

            // The first error of a streak and then one line a minute: a long outage must not flood the log.
            if (_errorsInARow == 1 || _errorsInARow % Math.Max(1, (int)(60 / options.PollInterval.TotalSeconds)) == 0)
            {
                LogPollFailed(logger, result, _errorsInARow, e.Message);
            }
        }
        finally
        {
            health.MarkIterationCompleted();
        }
    }

    private async Task MarkReadyOnceAsync(CancellationToken cancellationToken)
    {
        if (_ready)
        {
            return;
        }

        // Ready once IMDS answered and the apiserver knows this node.
        await node.GetNodeAsync(cancellationToken);
        _ready = true;
        health.MarkReady();
    }

    internal static string Classify(Exception e) => e switch
    {
        ImdsUnavailableException => "timeout",
        OperationCanceledException => "timeout",
        ImdsException { InnerException: System.Text.Json.JsonException } => "bad_json",
        ImdsException { StatusCode: 401 } => "unauthorized",
        ImdsException { StatusCode: 429 } => "throttled",
        ImdsException { StatusCode: >= 500 } => "server_error",
        _ => "error",
    };

    [LoggerMessage(EventId = 3100, Level = LogLevel.Information, Message = "watching node {Node}: polling instance metadata every {IntervalSeconds}s (dry-run: {DryRun})")]
    private static partial void LogStarted(ILogger logger, string node, double intervalSeconds, bool dryRun);

    [LoggerMessage(EventId = 3101, Level = LogLevel.Warning, Message = "instance metadata poll failed ({Result}, {Count} in a row): {Error}")]
    private static partial void LogPollFailed(ILogger logger, string result, int count, string error);

    [LoggerMessage(EventId = 3102, Level = LogLevel.Information, Message = "instance metadata answers again after {Count} failed polls")]
    private static partial void LogRecovered(ILogger logger, int count);
}
