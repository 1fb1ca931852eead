using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Spotable.Common.Events;
using Spotable.Common.Kubernetes;
using Spotable.SpotAgent.Configuration;
using Spotable.SpotAgent.Telemetry;

namespace Spotable.SpotAgent.Handling;

/// <summary>
/// Every change the agent makes to the cluster, in one place so that <c>--dry-run</c> is one check here: cordon and
/// taint, records in annotations, pod deletes and evictions, and Kubernetes Events on the Node.
/// </summary>
internal sealed partial class NodeOperations(IKubernetesClient kube, AgentOptions options, AgentMetrics metrics, TimeProvider time, ILogger<NodeOperations> logger)
{
    private const int ConflictRetries = 5;

    public Task<Node> GetNodeAsync(CancellationToken cancellationToken) => kube.GetNodeAsync(options.NodeName, cancellationToken);

    public static NodeRecord? ReadRecord(Node node, string annotation)
    {
        if (node.Metadata.Annotations?.TryGetValue(annotation, out var json) != true || string.IsNullOrWhiteSpace(json))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize(json, AgentJsonContext.Default.NodeRecord);
        }
        catch (JsonException)
        {
            return null; // Not ours or damaged: treated as no record, so the notice is handled afresh.
        }
    }

    /// <summary>
    /// Cordons the node, adds the taint and writes the record, in one merge patch guarded by resourceVersion
    /// (re-read and retried on 409). Returns the record as written.
    /// </summary>
    public async Task<NodeRecord> CordonAsync(string annotation, NodeRecord record, Taint taint, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var node = await GetNodeAsync(cancellationToken);
            var wasUnschedulable = node.Spec?.Unschedulable == true;
            var existing = ReadRecord(node, annotation);
            var written = record with
            {
                Cordoned = true,
                CordonedByAgent = existing is not null && existing.Id == record.Id ? existing.CordonedByAgent : record.CordonedByAgent || !wasUnschedulable,
            };
            var taints = (node.Spec?.Taints ?? []).Where(t => t.Key != taint.Key).Append(taint).ToList();
            if (options.DryRun)
            {
                LogDryRun(logger, $"cordon {options.NodeName} and taint {taint.Key}={taint.Value}:{taint.Effect}");
                return written;
            }

            var patch = new JsonObject
            {
                ["metadata"] = new JsonObject
                {
                    ["resourceVersion"] = node.Metadata.ResourceVersion,
                    ["annotations"] = new JsonObject { [annotation] = JsonSerializer.Serialize(written, AgentJsonContext.Default.NodeRecord) },
                },
                ["spec"] = new JsonObject
                {
                    ["unschedulable"] = true,
                    ["taints"] = TaintsJson(taints),
                },
            };
            try
            {
                await kube.PatchNodeAsync(options.NodeName, patch.ToJsonString(), cancellationToken);
                return written;
            }
            catch (KubernetesConflictException) when (attempt < ConflictRetries)
            {
                LogConflict(logger, attempt);
            }
        }
    }

    /// <summary>
    /// Records progress (notified, games signalled, drained) on the record as the node has it now, so that progress
    /// saved meanwhile by the other steps is kept; <paramref name="fallback"/> when the node has none.
    /// </summary>
    public async Task UpdateRecordAsync(string annotation, NodeRecord fallback, Func<NodeRecord, NodeRecord> change, CancellationToken cancellationToken)
    {
        if (options.DryRun)
        {
            return;
        }

        var record = change(ReadRecord(await GetNodeAsync(cancellationToken), annotation) ?? fallback);
        var patch = new JsonObject
        {
            ["metadata"] = new JsonObject
            {
                ["annotations"] = new JsonObject { [annotation] = JsonSerializer.Serialize(record, AgentJsonContext.Default.NodeRecord) },
            },
        };
        await kube.PatchNodeAsync(options.NodeName, patch.ToJsonString(), cancellationToken);
    }

    /// <summary>Undoes what the agent did for a record: removes its taint and annotation, and uncordons only if the agent cordoned.</summary>
    public async Task UndoAsync(string annotation, NodeRecord record, string taintKey, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var node = await GetNodeAsync(cancellationToken);
            if (options.DryRun)
            {
                LogDryRun(logger, $"remove taint {taintKey}{(record.CordonedByAgent ? " and uncordon " + options.NodeName : "")}");
                return;
            }

            var spec = new JsonObject { ["taints"] = TaintsJson((node.Spec?.Taints ?? []).Where(t => t.Key != taintKey)) };
            if (record.CordonedByAgent)
            {
                spec["unschedulable"] = false;
            }

            var patch = new JsonObject
            {
                ["metadata"] = new JsonObject
                {
                    ["resourceVersion"] = node.Metadata.ResourceVersion,
                    ["annotations"] = new JsonObject { [annotation] = null },
                },
                ["spec"] = spec,
            };
            try
            {
                await kube.PatchNodeAsync(options.NodeName, patch.ToJsonString(), cancellationToken);
                return;
            }
            catch (KubernetesConflictException) when (attempt < ConflictRetries)
            {
                LogConflict(logger, attempt);
            }
        }
    }

    /// <summary>Every pod on this node (all pages), and the UIDs of those the game selector picks.</summary>
    public async Task<(List<Pod> All, HashSet<string> GameUids)> ListPodsAsync(CancellationToken cancellationToken)
    {
        var field = "spec.nodeName=" + options.NodeName;
        var all = new List<Pod>();
        await foreach (var pod in kube.ListAllPodsAsync(field, null, 500, cancellationToken))
        {
            all.Add(pod);
        }

        var games = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var pod in kube.ListAllPodsAsync(field, options.GameSelector, 500, cancellationToken))
        {
            games.Add(pod.Metadata.Uid ?? "");
        }

        return (all, games);
    }

    /// <summary>SIGTERM by deletion: the kubelet gives the pod <paramref name="grace"/> before SIGKILL. UID-guarded.</summary>
    public async Task<bool> DeletePodAsync(Pod pod, long grace, string kind, CancellationToken cancellationToken)
    {
        var name = pod.Metadata.Name ?? "";
        var ns = pod.Metadata.Namespace ?? "default";
        if (options.DryRun)
        {
            LogDryRun(logger, $"delete pod {ns}/{name} with grace {grace}s");
            return true;
        }

        try
        {
            await kube.DeletePodAsync(ns, name, grace, pod.Metadata.Uid, cancellationToken);
            metrics.RecordPodSignalled(kind, "delete");
            LogPodDeleted(logger, ns, name, grace);
            return true;
        }
        catch (KubernetesNotFoundException)
        {
            return true; // Already gone.
        }
        catch (KubernetesConflictException)
        {
            return true; // Another pod of that name now: ours is gone.
        }
        catch (KubernetesApiException e)
        {
            metrics.RecordKubernetesError("delete");
            LogPodActionFailed(logger, "delete", ns, name, e.Message);
            return false;
        }
    }

    /// <summary>Evicts through the eviction API (PDBs respected). False while a PDB blocks it (429).</summary>
    public async Task<bool> EvictPodAsync(Pod pod, CancellationToken cancellationToken)
    {
        var name = pod.Metadata.Name ?? "";
        var ns = pod.Metadata.Namespace ?? "default";
        if (options.DryRun)
        {
            LogDryRun(logger, $"evict pod {ns}/{name}");
            return true;
        }

        try
        {
            await kube.EvictPodAsync(ns, name, cancellationToken);
            metrics.RecordPodSignalled("other", "evict");
            LogPodEvicted(logger, ns, name);
            return true;
        }
        catch (KubernetesNotFoundException)
        {
            return true;
        }
        catch (KubernetesTooManyRequestsException)
        {
            return false;
        }
        catch (KubernetesApiException e)
        {
            metrics.RecordKubernetesError("evict");
            LogPodActionFailed(logger, "evict", ns, name, e.Message);
            return false;
        }
    }

    /// <summary>A Kubernetes Event on the Node. Best effort: a failure is logged and never delays the work.</summary>
    public async Task EmitAsync(Node? node, string reason, string message, bool warning, CancellationToken cancellationToken)
    {
        LogStep(logger, reason, message);
        if (options.DryRun)
        {
            return;
        }

        var now = time.GetUtcNow();
        var kubeEvent = new KubeEvent
        {
            Metadata = new ObjectMeta { GenerateName = options.NodeName + ".", Namespace = "default" },
            InvolvedObject = new ObjectReference { ApiVersion = "v1", Kind = "Node", Name = options.NodeName, Uid = node?.Metadata.Uid ?? options.NodeName },
            Reason = reason,
            Message = message,
            Type = warning ? "Warning" : "Normal",
            Source = new EventSource { Component = "spot-agent", Host = options.NodeName },
            FirstTimestamp = now,
            LastTimestamp = now,
            Count = 1,
            ReportingComponent = "spotable.io/spot-agent",
            ReportingInstance = options.NodeName,
        };
        try
        {
            await kube.CreateEventAsync("default", kubeEvent, cancellationToken);
        }
        catch (Exception e) when (e is KubernetesApiException or HttpRequestException)
        {
            metrics.RecordKubernetesError("event");
            LogEventFailed(logger, reason, e.Message);
        }
    }

    public static string ServerId(Pod pod) => $"{pod.Metadata.Namespace}/{pod.Metadata.Name}";

    public static string Rfc3339(DateTimeOffset time) => RfcTime.Format(time);

    public static DateTimeOffset ParseTime(string text) => DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);

    private static JsonArray TaintsJson(IEnumerable<Taint> taints)
    {
        var array = new JsonArray();
        foreach (var taint in taints)
        {
            var item = new JsonObject { ["key"] = taint.Key, ["effect"] = taint.Effect };
            if (taint.Value is not null)
            {
                item["value"] = taint.Value;
            }

            if (taint.TimeAdded is { } added)
            {
                item["timeAdded"] = RfcTime.Format(added);
            }

            array.Add((JsonNode)item);
        }

        return array;
    }

    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "dry-run: would {Action}")]
    private static partial void LogDryRun(ILogger logger, string action);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Information, Message = "node changed while patching (attempt {Attempt}); re-reading")]
    private static partial void LogConflict(ILogger logger, int attempt);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Information, Message = "deleted pod {Namespace}/{Name} with grace {GraceSeconds}s")]
    private static partial void LogPodDeleted(ILogger logger, string @namespace, string name, long graceSeconds);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Information, Message = "evicted pod {Namespace}/{Name}")]
    private static partial void LogPodEvicted(ILogger logger, string @namespace, string name);

    [LoggerMessage(EventId = 3005, Level = LogLevel.Warning, Message = "could not {Verb} pod {Namespace}/{Name}: {Error}")]
    private static partial void LogPodActionFailed(ILogger logger, string verb, string @namespace, string name, string error);

    [LoggerMessage(EventId = 3006, Level = LogLevel.Information, Message = "{Reason}: {Detail}")]
    private static partial void LogStep(ILogger logger, string reason, string detail);

    [LoggerMessage(EventId = 3007, Level = LogLevel.Warning, Message = "could not record Kubernetes Event {Reason}: {Error}")]
    private static partial void LogEventFailed(ILogger logger, string reason, string error);
}
