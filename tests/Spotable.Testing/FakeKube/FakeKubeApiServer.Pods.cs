using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Spotable.Common.Kubernetes;

namespace Spotable.Testing.FakeKube;

public sealed partial class FakeKubeApiServer
{
    private const string MultiplePdbMessage = "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.";

    // ConvertFieldLabel for v1 Pod (pkg/apis/core/v1/conversion.go); spec.host is the legacy name of spec.nodeName.
    private static readonly HashSet<string> PodFields = new(StringComparer.Ordinal)
    {
        "metadata.name", "metadata.namespace", "spec.nodeName", "spec.restartPolicy", "spec.schedulerName",
        "spec.serviceAccountName", "spec.hostNetwork", "status.phase", "status.podIP", "status.nominatedNodeName",
    };

    private static readonly Dictionary<string, string> PodFieldAliases = new(StringComparer.Ordinal) { ["spec.host"] = "spec.nodeName" };

    private static readonly string[] PropagationPolicies = ["Foreground", "Background", "Orphan"];

    private static readonly string[] DefaultNamespaces = ["default", "kube-system", "kube-public", "kube-node-lease"];

    private readonly SortedDictionary<string, JsonObject> _pods = new(StringComparer.Ordinal);
    private readonly HashSet<string> _namespaces = new(DefaultNamespaces, StringComparer.Ordinal);
    private readonly List<DisruptionBudget> _budgets = [];
    private readonly List<PodDeletion> _deletions = [];
    private readonly List<PodEviction> _evictions = [];

    /// <summary>The stored pods in etcd key order (namespace/name), terminating ones included.</summary>
    public IReadOnlyList<Pod> Pods
    {
        get
        {
            lock (_gate)
            {
                return _pods.Values.Select(ToPod).ToList();
            }
        }
    }

    /// <summary>Every delete the server accepted, in order, evictions' included.</summary>
    public IReadOnlyList<PodDeletion> Deletions
    {
        get
        {
            lock (_gate)
            {
                return [.. _deletions];
            }
        }
    }

    /// <summary>Every eviction that reached an existing pod, accepted (201) or refused (429, 500).</summary>
    public IReadOnlyList<PodEviction> Evictions
    {
        get
        {
            lock (_gate)
            {
                return [.. _evictions];
            }
        }
    }

    /// <summary>
    /// Stores a pod as the API server would create it: namespace "default", uid, resourceVersion, creationTimestamp,
    /// terminationGracePeriodSeconds 30 when missing; a missing phase becomes Running for a pod with a node, else
    /// Pending (the eviction API skips PDBs for Pending pods, as the real one does). Its namespace becomes known.
    /// </summary>
    public Pod AddPod(Pod pod)
    {
        ArgumentNullException.ThrowIfNull(pod);
        ArgumentException.ThrowIfNullOrEmpty(pod.Metadata.Name, "pod.Metadata.Name");
        var obj = JsonSerializer.SerializeToNode(pod, KubernetesJsonContext.Default.Pod)!.AsObject();
        obj["kind"] = "Pod";
        obj["apiVersion"] = "v1";
        var metadata = KubeJson.Metadata(obj);
        var ns = KubeJson.GetString(metadata, "namespace");
        if (string.IsNullOrEmpty(ns))
        {
            ns = "default";
            metadata["namespace"] = ns;
        }

        var spec = KubeJson.Child(obj, "spec");
        if (KubeJson.GetInt64(spec, "terminationGracePeriodSeconds") is null)
        {
            spec["terminationGracePeriodSeconds"] = 30;
        }

        var status = KubeJson.Child(obj, "status");
        if (string.IsNullOrEmpty(KubeJson.GetString(status, "phase")))
        {
            status["phase"] = string.IsNullOrEmpty(KubeJson.GetString(spec, "nodeName")) ? "Pending" : "Running";
        }

        var key = PodKey(ns, pod.Metadata.Name);
        lock (_gate)
        {
            if (_pods.ContainsKey(key))
            {
                throw new InvalidOperationException($"pod {key} already exists");
            }

            StampNew(obj);
            _pods[key] = obj;
            _namespaces.Add(ns);
            return ToPod(obj);
        }
    }

    public Pod? GetPod(string podNamespace, string name)
    {
        lock (_gate)
        {
            return _pods.TryGetValue(PodKey(podNamespace, name), out var obj) ? ToPod(obj) : null;
        }
    }

    /// <summary>Changes a pod as another writer would (the kubelet reporting a phase, a controller): the resourceVersion moves on.</summary>
    public Pod UpdatePod(string podNamespace, string name, Action<Pod> change)
    {
        ArgumentNullException.ThrowIfNull(change);
        lock (_gate)
        {
            var key = PodKey(podNamespace, name);
            var current = _pods.TryGetValue(key, out var obj) ? obj : throw new InvalidOperationException($"pod {key} does not exist");
            var pod = ToPod(current);
            change(pod);
            var updated = JsonSerializer.SerializeToNode(pod, KubernetesJsonContext.Default.Pod)!.AsObject();
            var metadata = KubeJson.Metadata(updated);
            metadata["name"] = name;
            metadata["namespace"] = podNamespace;
            metadata["uid"] = KubeJson.GetString(current, "metadata", "uid");
            metadata["creationTimestamp"] = KubeJson.GetString(current, "metadata", "creationTimestamp");
            metadata["resourceVersion"] = NextResourceVersion();
            _pods[key] = updated;
            return ToPod(updated);
        }
    }

    /// <summary>Removes a pod at once (the kubelet confirming, or a test's own cleanup); false when it does not exist.</summary>
    public bool RemovePod(string podNamespace, string name)
    {
        lock (_gate)
        {
            if (!_pods.Remove(PodKey(podNamespace, name)))
            {
                return false;
            }

            NextResourceVersion();
            return true;
        }
    }

    /// <summary>The kubelet after the grace: removes pods whose deletionTimestamp is at or before now on the server's clock.</summary>
    public int RemoveExpiredPods()
    {
        lock (_gate)
        {
            return RemoveExpiredPodsLocked();
        }
    }

    /// <summary>The kubelet confirming every terminating pod at once (their processes exited before the grace ran out).</summary>
    public int CompleteTerminations()
    {
        lock (_gate)
        {
            var done = _pods.Where(p => KubeJson.Get(p.Value, ["metadata", "deletionTimestamp"]) is not null).Select(p => p.Key).ToList();
            RemoveKeysLocked(done);
            return done.Count;
        }
    }

    /// <summary>Makes a namespace known (pods' namespaces and the four built-in ones are known already); events need one.</summary>
    public void AddNamespace(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        lock (_gate)
        {
            _namespaces.Add(name);
        }
    }

    /// <summary>
    /// A policy/v1 PodDisruptionBudget whose selector is <paramref name="matchLabels"/> and whose status allows
    /// <paramref name="disruptionsAllowed"/> more disruptions. An empty selector matches no pod on the eviction path,
    /// as in the API server. Each accepted eviction of a selected pod decrements the allowance.
    /// </summary>
    public void AddPodDisruptionBudget(string name, string podNamespace, IReadOnlyDictionary<string, string> matchLabels, int disruptionsAllowed)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentException.ThrowIfNullOrEmpty(podNamespace);
        ArgumentNullException.ThrowIfNull(matchLabels);
        ArgumentOutOfRangeException.ThrowIfNegative(disruptionsAllowed);
        lock (_gate)
        {
            if (_budgets.Any(b => b.Name == name && b.Namespace == podNamespace))
            {
                throw new InvalidOperationException($"PodDisruptionBudget {podNamespace}/{name} already exists");
            }

            _budgets.Add(new DisruptionBudget(name, podNamespace, new Dictionary<string, string>(matchLabels, StringComparer.Ordinal))
            {
                DisruptionsAllowed = disruptionsAllowed,
            });
            _namespaces.Add(podNamespace);
        }
    }

    /// <summary>What the disruption controller would write when pods become healthy again (or fewer are allowed).</summary>
    public void SetDisruptionsAllowed(string name, string podNamespace, int disruptionsAllowed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(disruptionsAllowed);
        lock (_gate)
        {
            FindBudget(name, podNamespace).DisruptionsAllowed = disruptionsAllowed;
        }
    }

    public int GetDisruptionsAllowed(string name, string podNamespace)
    {
        lock (_gate)
        {
            return FindBudget(name, podNamespace).DisruptionsAllowed;
        }
    }

    private static string PodKey(string podNamespace, string name) => podNamespace + "/" + name;

    private static Pod ToPod(JsonObject obj) => obj.Deserialize(KubernetesJsonContext.Default.Pod)!;

    private static string PodFieldValue(JsonObject pod, string field) => field switch
    {
        "metadata.name" => KubeJson.GetString(pod, "metadata", "name") ?? string.Empty,
        "metadata.namespace" => KubeJson.GetString(pod, "metadata", "namespace") ?? string.Empty,
        "spec.nodeName" => KubeJson.GetString(pod, "spec", "nodeName") ?? string.Empty,
        "spec.restartPolicy" => KubeJson.GetString(pod, "spec", "restartPolicy") ?? string.Empty,
        "spec.schedulerName" => KubeJson.GetString(pod, "spec", "schedulerName") ?? string.Empty,
        "spec.serviceAccountName" => KubeJson.GetString(pod, "spec", "serviceAccountName") ?? string.Empty,
        "spec.hostNetwork" => KubeJson.GetBool(pod, "spec", "hostNetwork") == true ? "true" : "false",
        "status.phase" => KubeJson.GetString(pod, "status", "phase") ?? string.Empty,
        "status.podIP" => KubeJson.GetString(pod, "status", "podIP")
            ?? (KubeJson.Get(pod, ["status", "podIPs"]) is JsonArray { Count: > 0 } ips ? KubeJson.GetString(ips[0], "ip") : null)
            ?? string.Empty,
        "status.nominatedNodeName" => KubeJson.GetString(pod, "status", "nominatedNodeName") ?? string.Empty,
        _ => string.Empty,
    };

    private static JsonObject SuccessStatus(int code) => new()
    {
        ["kind"] = "Status",
        ["apiVersion"] = "v1",
        ["metadata"] = new JsonObject(),
        ["status"] = "Success",
        ["code"] = code,
    };

    /// <summary>Reads DeleteOptions from a JSON body, or from the query when the body is empty (as the delete handler does).</summary>
    private static DeleteRequest ReadDeleteOptions(HttpRequest request, byte[] body)
    {
        JsonObject? options = null;
        if (body.Length > 0)
        {
            RequireJsonBody(request);
            options = KubeJson.ParseObject(body, "DeleteOptions");
            var kind = KubeJson.GetString(options, "kind");
            if (kind is not null && kind != "DeleteOptions")
            {
                throw KubeApiException.BadRequest("decoded object cannot be converted to DeleteOptions");
            }

            return ParseDeleteOptions(options);
        }

        var query = request.Query;
        long? grace = null;
        var graceText = query["gracePeriodSeconds"].ToString();
        if (graceText.Length > 0)
        {
            grace = long.TryParse(graceText, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var g)
                ? g
                : throw KubeApiException.BadRequest($"strconv.ParseInt: parsing \"{graceText}\": invalid syntax");
        }

        if (query["dryRun"].ToString().Length > 0)
        {
            throw KubeApiException.BadRequest("dryRun is not implemented by FakeKubeApiServer");
        }

        var policy = query["propagationPolicy"].ToString();
        return Validated(new DeleteRequest(grace, null, null, policy.Length == 0 ? null : policy));
    }

    private static DeleteRequest ParseDeleteOptions(JsonObject? options)
    {
        if (options is null)
        {
            return new DeleteRequest(null, null, null, null);
        }

        var graceNode = options["gracePeriodSeconds"];
        var grace = KubeJson.GetInt64(options, "gracePeriodSeconds");
        if (graceNode is not null && grace is null)
        {
            throw KubeApiException.BadRequest(
                $"json: cannot unmarshal {graceNode.GetValueKind().ToString().ToLowerInvariant()} into Go struct field DeleteOptions.gracePeriodSeconds of type int64");
        }

        if (options["dryRun"] is JsonArray { Count: > 0 })
        {
            throw KubeApiException.BadRequest("dryRun is not implemented by FakeKubeApiServer");
        }

        return Validated(new DeleteRequest(
            grace,
            KubeJson.GetString(options, "preconditions", "uid"),
            KubeJson.GetString(options, "preconditions", "resourceVersion"),
            KubeJson.GetString(options, "propagationPolicy")));
    }

    private static DeleteRequest Validated(DeleteRequest request)
    {
        if (request.PropagationPolicy is { } policy && !PropagationPolicies.Contains(policy, StringComparer.Ordinal))
        {
            throw KubeApiException.Invalid(
                "DeleteOptions.meta.k8s.io", string.Empty, [FieldError.NotSupported("propagationPolicy", policy, PropagationPolicies)]);
        }

        return request;
    }

    private DisruptionBudget FindBudget(string name, string podNamespace) =>
        _budgets.FirstOrDefault(b => b.Name == name && b.Namespace == podNamespace)
        ?? throw new InvalidOperationException($"PodDisruptionBudget {podNamespace}/{name} does not exist");

    private int RemoveExpiredPodsLocked()
    {
        var now = _time.GetUtcNow();
        var expired = _pods
            .Where(p => KubeJson.GetTime(p.Value, "metadata", "deletionTimestamp") is { } at && at <= now)
            .Select(p => p.Key)
            .ToList();
        RemoveKeysLocked(expired);
        return expired.Count;
    }

    private void RemoveKeysLocked(List<string> keys)
    {
        foreach (var key in keys)
        {
            _pods.Remove(key);
            NextResourceVersion();
        }
    }

    private (int, JsonNode) DispatchPods(KubeRequestInfo info, HttpRequest request, byte[] body)
    {
        if (info.Verb == "list")
        {
            return (200, ListLocked("pods", "PodList", _pods, info.Namespace, request.Query, PodFields, PodFieldValue, PodFieldAliases));
        }

        if (info.Namespace is null || info.Name is null)
        {
            // Pods are namespaced: /api/v1/pods/{name} does not exist, and the collection only lists.
            throw info.Name is null ? KubeApiException.MethodNotAllowed() : KubeApiException.UnknownResource();
        }

        var ns = info.Namespace;
        var name = info.Name;
        switch (info.Subresource, info.Verb)
        {
            case (null, "get"):
                return (200, _pods.TryGetValue(PodKey(ns, name), out var pod) ? pod.DeepClone() : throw KubeApiException.NotFound("pods", name));
            case (null, "delete"):
                {
                    var options = ReadDeleteOptions(request, body);
                    return (200, DeletePodLocked(ns, name, options, byEviction: false));
                }

            case (null, _):
                throw KubeApiException.MethodNotAllowed();
            case ("eviction", "create"):
                return EvictLocked(ns, name, request, body);
            case ("eviction", _):
                throw KubeApiException.MethodNotAllowed();
            default:
                throw KubeApiException.UnknownResource();
        }
    }

    /// <summary>
    /// The pod registry's delete (rest.BeforeDelete + podStrategy.CheckGracefulDelete): preconditions (409), grace =
    /// asked ?? the pod's terminationGracePeriodSeconds, 0 for an unscheduled or finished pod, negative → 1; grace 0
    /// removes at once, otherwise deletionTimestamp = now + grace and the pod stays. A delete of a terminating pod
    /// can only shorten the grace (the timestamp moves back by the difference, never before now).
    /// </summary>
    private JsonObject DeletePodLocked(string ns, string name, DeleteRequest options, bool byEviction)
    {
        var key = PodKey(ns, name);
        var pod = _pods.TryGetValue(key, out var stored) ? stored : throw KubeApiException.NotFound("pods", name);
        var metadata = KubeJson.Metadata(pod);
        var uid = KubeJson.GetString(metadata, "uid") ?? string.Empty;
        if (options.Uid is { } wantedUid && wantedUid != uid)
        {
            throw KubeApiException.Conflict("Pod", name,
                $"the UID in the precondition ({wantedUid}) does not match the UID in record ({uid}). The object might have been deleted and then recreated");
        }

        var version = KubeJson.GetString(metadata, "resourceVersion") ?? string.Empty;
        if (options.ResourceVersion is { } wantedVersion && wantedVersion != version)
        {
            throw KubeApiException.Conflict("Pod", name,
                $"the ResourceVersion in the precondition ({wantedVersion}) does not match the ResourceVersion in record ({version}). The object might have been modified");
        }

        var now = _time.GetUtcNow();
        var asked = options.GracePeriodSeconds is < 0 ? 1 : options.GracePeriodSeconds;
        long effective;
        bool removeNow;
        if (KubeJson.GetTime(metadata, "deletionTimestamp") is { } deletionTimestamp)
        {
            var pending = KubeJson.GetInt64(metadata, "deletionGracePeriodSeconds");
            if (pending is null or 0)
            {
                (effective, removeNow) = (0, true);
            }
            else if (asked is { } shorter && shorter < pending)
            {
                var moved = deletionTimestamp.AddSeconds(shorter - pending.Value);
                effective = shorter;
                if (moved < now)
                {
                    // Shortening past the deadline: now, and 1 s unless 0 was asked (another actor finishes the delete).
                    moved = now;
                    effective = shorter == 0 ? 0 : 1;
                }

                metadata["deletionTimestamp"] = KubeJson.FormatTime(moved);
                metadata["deletionGracePeriodSeconds"] = effective;
                removeNow = effective == 0;
                if (!removeNow)
                {
                    metadata["resourceVersion"] = NextResourceVersion();
                }
            }
            else
            {
                // Graceful deletion already pending with a grace no longer than asked: nothing changes.
                (effective, removeNow) = (pending.Value, false);
            }
        }
        else
        {
            effective = asked ?? KubeJson.GetInt64(pod, "spec", "terminationGracePeriodSeconds") ?? 0;
            if (string.IsNullOrEmpty(KubeJson.GetString(pod, "spec", "nodeName"))
                || KubeJson.GetString(pod, "status", "phase") is "Succeeded" or "Failed")
            {
                effective = 0;
            }

            effective = effective < 0 ? 1 : effective;
            removeNow = effective == 0;
            if (!removeNow)
            {
                metadata["deletionTimestamp"] = KubeJson.FormatTime(now.AddSeconds(effective));
                metadata["deletionGracePeriodSeconds"] = effective;
                metadata["resourceVersion"] = NextResourceVersion();
            }
        }

        _deletions.Add(new PodDeletion(ns, name, uid, effective, options.GracePeriodSeconds, now, byEviction));
        if (removeNow)
        {
            _pods.Remove(key);
            NextResourceVersion();
        }

        return (JsonObject)pod.DeepClone();
    }

    /// <summary>
    /// pods/eviction (pkg/registry/core/pod/storage/eviction.go): a policy/v1 (or v1beta1) Eviction named like the pod;
    /// terminal, Pending or terminating pods are deleted without PDB checks; otherwise exactly one matching PDB must
    /// allow a disruption (0 → 429 with a DisruptionBudget cause, more than one PDB → 500), which is then spent.
    /// </summary>
    private (int, JsonNode) EvictLocked(string ns, string name, HttpRequest request, byte[] body)
    {
        RequireJsonBody(request);
        var eviction = KubeJson.ParseObject(body, "Eviction");
        var kind = KubeJson.GetString(eviction, "kind");
        var apiVersion = KubeJson.GetString(eviction, "apiVersion");
        if ((kind is not null && kind != "Eviction") || (apiVersion is not null && apiVersion is not ("policy/v1" or "policy/v1beta1")))
        {
            throw KubeApiException.BadRequest($"the body of the request was not a policy/v1 Eviction (kind \"{kind}\", apiVersion \"{apiVersion}\")");
        }

        if (KubeJson.GetString(eviction, "metadata", "namespace") is { Length: > 0 } evictionNamespace && evictionNamespace != ns)
        {
            throw KubeApiException.BadRequest("the namespace of the provided object does not match the namespace sent on the request");
        }

        if (KubeJson.GetString(eviction, "metadata", "name") != name)
        {
            throw KubeApiException.BadRequest("name in URL does not match name in Eviction object");
        }

        var options = ParseDeleteOptions(eviction["deleteOptions"] as JsonObject);
        var pod = _pods.TryGetValue(PodKey(ns, name), out var stored) ? stored : throw KubeApiException.NotFound("pods", name);
        var now = _time.GetUtcNow();
        var phase = KubeJson.GetString(pod, "status", "phase");
        var terminating = KubeJson.Get(pod, ["metadata", "deletionTimestamp"]) is not null;
        DisruptionBudget? spent = null;
        if (!(phase is "Succeeded" or "Failed" or "Pending" || terminating))
        {
            var labels = KubeJson.Labels(pod);
            var budgets = _budgets.Where(b => b.Namespace == ns && b.Selects(labels)).ToList();
            if (budgets.Count > 1)
            {
                _evictions.Add(new PodEviction(ns, name, 500, now));
                throw new KubeApiException(500, string.Empty, MultiplePdbMessage);
            }

            if (budgets.Count == 1)
            {
                var budget = budgets[0];
                if (budget.DisruptionsAllowed == 0)
                {
                    _evictions.Add(new PodEviction(ns, name, 429, now));
                    var healthy = _pods.Values.Count(p =>
                        KubeJson.GetString(p, "metadata", "namespace") == ns
                        && budget.Selects(KubeJson.Labels(p))
                        && KubeJson.GetString(p, "status", "phase") == "Running"
                        && KubeJson.Get(p, ["metadata", "deletionTimestamp"]) is null);
                    throw new KubeApiException(429, "TooManyRequests", "Cannot evict pod as it would violate the pod's disruption budget.")
                    {
                        Causes =
                        [
                            new StatusCause(
                                "DisruptionBudget",
                                string.Create(CultureInfo.InvariantCulture, $"The disruption budget {budget.Name} needs {healthy} healthy pods and has {healthy} currently")),
                        ],
                    };
                }

                spent = budget;
            }
        }

        DeletePodLocked(ns, name, options, byEviction: true);

        // The real handler spends the disruption before the delete; spending it only once the delete succeeded keeps a
        // refused precondition from leaking budget in tests (the disruption controller would restore it anyway).
        if (spent is not null)
        {
            spent.DisruptionsAllowed--;
        }

        _evictions.Add(new PodEviction(ns, name, 201, now));
        return (201, SuccessStatus(201));
    }

    private sealed record DeleteRequest(long? GracePeriodSeconds, string? Uid, string? ResourceVersion, string? PropagationPolicy);

    private sealed class DisruptionBudget(string name, string ns, Dictionary<string, string> matchLabels)
    {
        public string Name { get; } = name;

        public string Namespace { get; } = ns;

        public int DisruptionsAllowed { get; set; }

        // getPodDisruptionBudgets: an empty selector matches nothing on the eviction path.
        public bool Selects(Dictionary<string, string> labels) =>
            matchLabels.Count > 0 && matchLabels.All(l => labels.TryGetValue(l.Key, out var v) && v == l.Value);
    }
}
