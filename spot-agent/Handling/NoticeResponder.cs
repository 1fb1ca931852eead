using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Spotable.Common.Events;
using Spotable.Common.Imds;
using Spotable.Common.Kubernetes;
using Spotable.SpotAgent.Configuration;
using Spotable.SpotAgent.Telemetry;

namespace Spotable.SpotAgent.Handling;

/// <summary>
/// Turns notices into actions. A Spot interruption gets, at once: cordon + taint + record, the SQS notice listing
/// the game servers (sent beside the rest, never before it), SIGTERM for every game pod with all the time left as
/// grace, and evictions of the other pods until the deadline, then deletes. The work runs in the background so the
/// poll loop stays alive; a notice already being handled (same id) is not started twice.
/// </summary>
internal sealed partial class NoticeResponder(
    NodeOperations node,
    INodeNotifier notifier,
    AgentOptions options,
    AgentMetrics metrics,
    TimeProvider time,
    ILogger<NoticeResponder> logger)
{
    private static readonly TimeSpan MaintenanceRecheck = TimeSpan.FromMinutes(5);
    private static readonly string[] MaintenanceCodes = ["instance-stop", "instance-retirement", "instance-reboot", "system-reboot", "system-maintenance"];
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Task> _running = new(StringComparer.Ordinal);

    /// <summary>The background work started so far (tests await it).</summary>
    public Task AllWork
    {
        get
        {
            lock (_gate)
            {
                return Task.WhenAll(_running.Values);
            }
        }
    }

    public static string NoticeId(string? instanceId, string action, DateTimeOffset noticeTime)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{instanceId}|{action}|{noticeTime.ToUnixTimeSeconds()}"));
        return Convert.ToHexStringLower(hash)[..16];
    }

    public void OnSpotInterruption(SpotInstanceAction notice, InstanceIdentity identity, CancellationToken stopping) =>
        Start(NoticeId(identity.InstanceId, notice.Action, notice.Time), id => HandleSpotAsync(id, notice, identity, stopping));

    public void OnRebalance(RebalanceRecommendation notice, InstanceIdentity identity, CancellationToken stopping) =>
        Start(NoticeId(identity.InstanceId, "rebalance", notice.NoticeTime), id => HandleRebalanceAsync(id, notice, identity, stopping));

    public void OnMaintenance(IReadOnlyList<ScheduledMaintenanceEvent> events, InstanceIdentity identity, CancellationToken stopping)
    {
        foreach (var maintenance in events.Where(e => MaintenanceCodes.Contains(e.Code)))
        {
            var state = maintenance.State?.ToLowerInvariant();
            if (state is "canceled" or "completed")
            {
                Start("undo-" + maintenance.EventId, _ => UndoMaintenanceAsync(maintenance, identity, stopping));
            }
            else
            {
                Start(maintenance.EventId, _ => HandleMaintenanceAsync(maintenance, identity, stopping));
            }
        }
    }

    private void Start(string id, Func<string, Task> work)
    {
        lock (_gate)
        {
            if (_running.ContainsKey(id))
            {
                return;
            }

            _running[id] = Task.Run(async () =>
            {
                try
                {
                    await work(id);
                }
                catch (OperationCanceledException)
                {
                    // Agent stopping.
                }
                catch (Exception e)
                {
                    // Let the next poll try again: forget this attempt.
                    LogWorkFailed(logger, id, e.Message);
                    lock (_gate)
                    {
                        _running.Remove(id);
                    }
                }
            });
        }
    }

    private async Task HandleSpotAsync(string id, SpotInstanceAction notice, InstanceIdentity identity, CancellationToken stopping)
    {
        var now = time.GetUtcNow();
        metrics.RecordNotice("spot_interruption");
        var current = await TryAsync("read node", () => node.GetNodeAsync(stopping));
        var previous = current is null ? null : NodeOperations.ReadRecord(current, NodeAnnotations.Interruption);
        var resumed = previous?.Id == id;
        var record = resumed ? previous! : new NodeRecord
        {
            Id = id,
            Kind = NodeEventTypes.Interruption,
            Action = notice.Action,
            NoticeTime = NodeOperations.Rfc3339(now),
            Deadline = NodeOperations.Rfc3339(notice.Time),
        };
        LogInterruption(logger, notice.Action, NodeOperations.Rfc3339(notice.Time), resumed);

        // The work is bounded by the instance's end: nothing is worth doing after it.
        using var deadline = new CancellationTokenSource(Max(notice.Time - now, TimeSpan.Zero) + options.SafetyMargin, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, stopping);
        var token = linked.Token;

        // 1-2. Cordon, taint, record.
        var taint = new Taint { Key = NodeAnnotations.InterruptionTaint, Value = notice.Action, Effect = "NoSchedule", TimeAdded = now };
        // The apiserver refusing the cordon must not keep the games from their SIGTERM: log it and go on.
        record = await TryAsync("cordon", () => node.CordonAsync(NodeAnnotations.Interruption, record, taint, token)) ?? record;
        await node.EmitAsync(current, "SpotInterruption", $"Spot {notice.Action} at {record.Deadline}: node cordoned and tainted {taint.Key}={taint.Value}:NoSchedule", warning: true, token);

        var (pods, gameUids) = await node.ListPodsAsync(token);
        var games = pods.Where(p => gameUids.Contains(p.Metadata.Uid ?? "")).ToList();

        // 3. Notify, beside the rest: SQS trouble never delays the games' SIGTERM.
        var notify = record.Notified
            ? Task.CompletedTask
            : NotifyAsync(NodeAnnotations.Interruption, record, NodeEventTypes.Interruption, notice.Action, record.Deadline, games, identity, token);

        // 4. Every game pod at once, with all the time left as grace.
        var signalled = await SignalGamesAsync(games, notice.Time, NodeOperations.ParseTime(record.NoticeTime), token);
        await node.EmitAsync(current, "GameServersSignalled", $"{signalled} game server pod(s) sent SIGTERM with the time left to {record.Deadline} as grace", warning: false, token);

        // 5. The rest: evictions (PDBs respected) until the deadline minus the margin, then deletes.
        var drainStart = time.GetUtcNow();
        await DrainAsync(pods.Where(p => !gameUids.Contains(p.Metadata.Uid ?? "")).ToList(), notice.Time, current, token);
        metrics.RecordDrainDuration(time.GetUtcNow() - drainStart);

        await notify;
        await node.UpdateRecordAsync(NodeAnnotations.Interruption, record, r => r with { GamesSignalled = true, Drained = true }, token);
        await node.EmitAsync(current, "Drained", "every pod on the node was signalled, evicted or deleted", warning: false, token);
    }

    private async Task HandleRebalanceAsync(string id, RebalanceRecommendation notice, InstanceIdentity identity, CancellationToken stopping)
    {
        metrics.RecordNotice("rebalance");
        var current = await node.GetNodeAsync(stopping);
        var previous = NodeOperations.ReadRecord(current, NodeAnnotations.Rebalance);
        if (previous?.Id == id && previous.Notified && (options.RebalanceAction != RebalanceAction.Drain || previous.Drained))
        {
            return; // Handled by this agent or its predecessor.
        }

        var record = previous?.Id == id ? previous : new NodeRecord
        {
            Id = id,
            Kind = NodeEventTypes.Rebalance,
            NoticeTime = NodeOperations.Rfc3339(notice.NoticeTime),
        };
        LogRebalance(logger, options.RebalanceAction.ToString().ToLowerInvariant());
        if (options.RebalanceAction != RebalanceAction.None)
        {
            var taint = new Taint { Key = NodeAnnotations.RebalanceTaint, Value = "recommended", Effect = "NoSchedule", TimeAdded = time.GetUtcNow() };
            record = await node.CordonAsync(NodeAnnotations.Rebalance, record, taint, stopping);
            await node.EmitAsync(current, "RebalanceRecommendation", "EC2 recommends moving off this instance: node cordoned", warning: true, stopping);
        }

        var (pods, gameUids) = await node.ListPodsAsync(stopping);
        var games = pods.Where(p => gameUids.Contains(p.Metadata.Uid ?? "")).ToList();
        if (!record.Notified)
        {
            await NotifyAsync(NodeAnnotations.Rebalance, record, NodeEventTypes.Rebalance, null, null, games, identity, stopping);
        }

        if (options.RebalanceAction == RebalanceAction.Drain)
        {
            // No deadline comes with a rebalance recommendation: games get their own full grace, others are evicted.
            var horizon = time.GetUtcNow() + TimeSpan.FromMinutes(10);
            await SignalGamesAsync(games, horizon, NodeOperations.ParseTime(record.NoticeTime), stopping);
            await DrainAsync(pods.Where(p => !gameUids.Contains(p.Metadata.Uid ?? "")).ToList(), horizon, current, stopping);
            await node.UpdateRecordAsync(NodeAnnotations.Rebalance, record, r => r with { GamesSignalled = true, Drained = true }, stopping);
        }
    }

    private async Task HandleMaintenanceAsync(ScheduledMaintenanceEvent maintenance, InstanceIdentity identity, CancellationToken stopping)
    {
        var current = await node.GetNodeAsync(stopping);
        var previous = NodeOperations.ReadRecord(current, NodeAnnotations.Maintenance);
        var record = previous?.Id == maintenance.EventId ? previous : new NodeRecord
        {
            Id = maintenance.EventId,
            Kind = NodeEventTypes.Maintenance,
            Action = maintenance.Code,
            NoticeTime = NodeOperations.Rfc3339(time.GetUtcNow()),
            Deadline = NodeOperations.Rfc3339(maintenance.NotBefore),
        };
        if (previous?.Id != maintenance.EventId)
        {
            metrics.RecordNotice("maintenance");
            LogMaintenance(logger, maintenance.Code, maintenance.EventId, record.Deadline!);
            var taint = new Taint { Key = NodeAnnotations.MaintenanceTaint, Value = maintenance.Code, Effect = "NoSchedule", TimeAdded = time.GetUtcNow() };
            record = await node.CordonAsync(NodeAnnotations.Maintenance, record, taint, stopping);
            await node.EmitAsync(current, "ScheduledMaintenance", $"{maintenance.Code} not before {record.Deadline}: node cordoned", warning: true, stopping);
        }

        var (pods, gameUids) = await node.ListPodsAsync(stopping);
        var games = pods.Where(p => gameUids.Contains(p.Metadata.Uid ?? "")).ToList();
        if (!record.Notified)
        {
            await NotifyAsync(NodeAnnotations.Maintenance, record, NodeEventTypes.Maintenance, maintenance.Code, record.Deadline, games, identity, stopping);
        }

        // Games end before NotBefore: each gets SIGTERM once the time left is down to its own grace (plus margin),
        // so a maintenance days away does not cut matches short today. Checked on every poll until then.
        while (!stopping.IsCancellationRequested)
        {
            var left = maintenance.NotBefore - time.GetUtcNow() - options.SafetyMargin;
            var due = games.Where(g => g.Metadata.DeletionTimestamp is null && left <= TimeSpan.FromSeconds(GraceOf(g))).ToList();
            if (due.Count > 0)
            {
                await SignalGamesAsync(due, maintenance.NotBefore, NodeOperations.ParseTime(record.NoticeTime), stopping);
                foreach (var game in due)
                {
                    game.Metadata.DeletionTimestamp = time.GetUtcNow();
                }
            }

            if (games.All(g => g.Metadata.DeletionTimestamp is not null) || left <= TimeSpan.Zero)
            {
                return;
            }

            // Sleep until the next game is due (at least one poll interval, at most five minutes so a cancellation
            // or a record removed by an operator is noticed): a maintenance days ahead must not poll the apiserver
            // every second.
            var nextDue = games.Where(g => g.Metadata.DeletionTimestamp is null)
                .Select(g => maintenance.NotBefore - options.SafetyMargin - TimeSpan.FromSeconds(GraceOf(g)))
                .DefaultIfEmpty(maintenance.NotBefore).Min() - time.GetUtcNow();
            var wait = nextDue < options.PollInterval ? options.PollInterval : nextDue > MaintenanceRecheck ? MaintenanceRecheck : nextDue;
            await Task.Delay(wait, time, stopping);
            if (NodeOperations.ReadRecord(await node.GetNodeAsync(stopping), NodeAnnotations.Maintenance)?.Id != maintenance.EventId)
            {
                return; // Canceled meanwhile.
            }
        }
    }

    private async Task UndoMaintenanceAsync(ScheduledMaintenanceEvent maintenance, InstanceIdentity identity, CancellationToken stopping)
    {
        var current = await node.GetNodeAsync(stopping);
        var record = NodeOperations.ReadRecord(current, NodeAnnotations.Maintenance);
        if (record?.Id != maintenance.EventId)
        {
            return; // Not something this agent acted on.
        }

        LogMaintenanceOver(logger, maintenance.EventId, maintenance.State ?? "", record.CordonedByAgent);
        await node.UndoAsync(NodeAnnotations.Maintenance, record, NodeAnnotations.MaintenanceTaint, stopping);
        await node.EmitAsync(current, "MaintenanceCanceled", $"{maintenance.Code} {maintenance.State}: taint removed{(record.CordonedByAgent ? ", node uncordoned" : ", cordon left as the operator set it")}", warning: false, stopping);
        await notifier.PublishAsync(NewNotice(NodeEventTypes.MaintenanceCanceled, record, maintenance.Code, record.Deadline, [], identity), stopping);
    }

    private async Task NotifyAsync(string annotation, NodeRecord record, string type, string? action, string? deadline, List<Pod> games, InstanceIdentity identity, CancellationToken cancellationToken)
    {
        try
        {
            await notifier.PublishAsync(NewNotice(type, record, action, deadline, games, identity), cancellationToken);
            await node.UpdateRecordAsync(annotation, record, r => r with { Notified = true }, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            LogNotifyGaveUp(logger, type, record.Id);
        }
    }

    /// <summary>Runs one step whose failure must not stop the next ones; the failure is logged and counted.</summary>
    private async Task<T?> TryAsync<T>(string step, Func<Task<T>> action)
        where T : class
    {
        try
        {
            return await action();
        }
        catch (Exception e) when (e is KubernetesApiException or HttpRequestException)
        {
            metrics.RecordKubernetesError(step.Replace(' ', '_'));
            LogStepFailed(logger, step, e.Message);
            return null;
        }
    }

    private NodeEvent NewNotice(string type, NodeRecord record, string? action, string? deadline, List<Pod> games, InstanceIdentity identity) => new()
    {
        Type = type,
        Id = record.Id,
        Node = options.NodeName,
        InstanceId = identity.InstanceId,
        PublicHost = identity.PublicHostname ?? identity.PublicIpv4,
        Action = action,
        NoticeTime = record.NoticeTime,
        Deadline = deadline,
        Servers = [.. games.Select(NodeOperations.ServerId).Order(StringComparer.Ordinal)],
        DryRun = options.DryRun,
    };

    /// <summary>Deletes every game pod at once with grace = min(its own grace, time left to the deadline − margin).</summary>
    private async Task<int> SignalGamesAsync(List<Pod> games, DateTimeOffset deadline, DateTimeOffset noticeTime, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var left = (long)Math.Floor((deadline - now - options.SafetyMargin).TotalSeconds);
        var due = games.Where(g => g.Metadata.DeletionTimestamp is null || g.Metadata.DeletionTimestamp > deadline - options.SafetyMargin).ToList();
        var results = await Task.WhenAll(due.Select(g => node.DeletePodAsync(g, Math.Clamp(left, 0, GraceOf(g)), "game", cancellationToken)));
        if (due.Count > 0)
        {
            metrics.RecordNoticeToSigterm(time.GetUtcNow() - noticeTime);
        }

        return results.Count(r => r);
    }

    /// <summary>Evicts the non-game pods that may be moved, retrying blocked ones until the deadline minus the margin, then deletes them.</summary>
    private async Task DrainAsync(List<Pod> others, DateTimeOffset deadline, Node? current, CancellationToken cancellationToken)
    {
        var movable = others.Where(Movable).ToList();
        var cutoff = deadline - options.SafetyMargin;
        await Task.WhenAll(movable.Select(async pod =>
        {
            var blockedLogged = false;
            while (time.GetUtcNow() < cutoff)
            {
                if (await node.EvictPodAsync(pod, cancellationToken))
                {
                    return;
                }

                if (!blockedLogged)
                {
                    blockedLogged = true;
                    LogBlocked(logger, NodeOperations.ServerId(pod));
                    await node.EmitAsync(current, "DrainBlocked", $"pod {NodeOperations.ServerId(pod)} cannot be evicted yet (PodDisruptionBudget); deleting it at {NodeOperations.Rfc3339(cutoff)}", warning: true, cancellationToken);
                }

                var wait = cutoff - time.GetUtcNow();
                await Task.Delay(wait < options.EvictionRetryInterval ? Max(wait, TimeSpan.Zero) : options.EvictionRetryInterval, time, cancellationToken);
            }

            // The node goes away regardless: a PDB cannot save this pod, so it is deleted with whatever time is left.
            var left = (long)Math.Max(0, Math.Floor((deadline - time.GetUtcNow()).TotalSeconds));
            await node.DeletePodAsync(pod, Math.Min(left, GraceOf(pod)), "other", cancellationToken);
        }));
    }

    /// <summary>DaemonSet pods, mirror (static) pods, the agent's own pod, finished pods and pods already terminating stay untouched.</summary>
    internal bool Movable(Pod pod) =>
        pod.Metadata.DeletionTimestamp is null
        && pod.Status?.Phase is not ("Succeeded" or "Failed")
        && pod.Metadata.OwnerReferences?.Any(o => o.Kind == "DaemonSet") != true
        && pod.Metadata.Annotations?.ContainsKey(NodeAnnotations.MirrorPod) != true
        && !(pod.Metadata.Name == options.PodName && pod.Metadata.Namespace == options.PodNamespace);

    private static long GraceOf(Pod pod) => pod.Spec?.TerminationGracePeriodSeconds ?? 30;

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    [LoggerMessage(EventId = 3010, Level = LogLevel.Warning, Message = "Spot interruption: {Action} at {Deadline} (resumed: {Resumed})")]
    private static partial void LogInterruption(ILogger logger, string action, string deadline, bool resumed);

    [LoggerMessage(EventId = 3011, Level = LogLevel.Warning, Message = "rebalance recommendation: action {Action}")]
    private static partial void LogRebalance(ILogger logger, string action);

    [LoggerMessage(EventId = 3012, Level = LogLevel.Warning, Message = "scheduled maintenance {Code} ({EventId}) not before {NotBefore}")]
    private static partial void LogMaintenance(ILogger logger, string code, string eventId, string notBefore);

    [LoggerMessage(EventId = 3013, Level = LogLevel.Information, Message = "maintenance {EventId} is {State}; undoing (uncordon: {Uncordon})")]
    private static partial void LogMaintenanceOver(ILogger logger, string eventId, string state, bool uncordon);

    [LoggerMessage(EventId = 3014, Level = LogLevel.Warning, Message = "pod {Pod} blocked by a PodDisruptionBudget; retrying until the deadline")]
    private static partial void LogBlocked(ILogger logger, string pod);

    [LoggerMessage(EventId = 3015, Level = LogLevel.Error, Message = "handling {Id} failed, retrying at the next poll: {Error}")]
    private static partial void LogWorkFailed(ILogger logger, string id, string error);

    [LoggerMessage(EventId = 3017, Level = LogLevel.Error, Message = "{Step} failed, going on with the other steps: {Error}")]
    private static partial void LogStepFailed(ILogger logger, string step, string error);

    [LoggerMessage(EventId = 3016, Level = LogLevel.Error, Message = "{Type} notice {Id} could not be delivered before the deadline")]
    private static partial void LogNotifyGaveUp(ILogger logger, string type, string id);
}
