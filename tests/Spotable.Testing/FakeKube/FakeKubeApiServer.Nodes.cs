using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Spotable.Common.Kubernetes;

namespace Spotable.Testing.FakeKube;

public sealed partial class FakeKubeApiServer
{
    private const string PatchMediaTypes =
        "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json";

    private static readonly HashSet<string> NodeFields = new(StringComparer.Ordinal) { "metadata.name", "spec.unschedulable" };

    private readonly SortedDictionary<string, JsonObject> _nodes = new(StringComparer.Ordinal);

    public IReadOnlyList<Node> Nodes
    {
        get
        {
            lock (_gate)
            {
                return _nodes.Values.Select(ToNode).ToList();
            }
        }
    }

    /// <summary>Stores a node as if created: uid, resourceVersion and creationTimestamp are assigned when missing.</summary>
    public Node AddNode(Node node)
    {
        ArgumentNullException.ThrowIfNull(node);
        var name = node.Metadata.Name;
        ArgumentException.ThrowIfNullOrEmpty(name, "node.Metadata.Name");
        var obj = JsonSerializer.SerializeToNode(node, KubernetesJsonContext.Default.Node)!.AsObject();
        obj["kind"] = "Node";
        obj["apiVersion"] = "v1";
        lock (_gate)
        {
            if (_nodes.ContainsKey(name))
            {
                throw new InvalidOperationException($"node {name} already exists");
            }

            StampNew(obj);
            _nodes[name] = obj;
            return ToNode(obj);
        }
    }

    public Node? GetNode(string name)
    {
        lock (_gate)
        {
            return _nodes.TryGetValue(name, out var obj) ? ToNode(obj) : null;
        }
    }

    /// <summary>Changes a node as another writer would (an operator, the node controller): the resourceVersion moves on.</summary>
    public Node UpdateNode(string name, Action<Node> change)
    {
        ArgumentNullException.ThrowIfNull(change);
        lock (_gate)
        {
            var current = _nodes.TryGetValue(name, out var obj) ? obj : throw new InvalidOperationException($"node {name} does not exist");
            var node = ToNode(current);
            change(node);
            var updated = JsonSerializer.SerializeToNode(node, KubernetesJsonContext.Default.Node)!.AsObject();
            var metadata = KubeJson.Metadata(updated);
            metadata["name"] = name;
            metadata["uid"] = KubeJson.GetString(current, "metadata", "uid");
            metadata["creationTimestamp"] = KubeJson.GetString(current, "metadata", "creationTimestamp");
            metadata["resourceVersion"] = NextResourceVersion();
            _nodes[name] = updated;
            return ToNode(updated);
        }
    }

    private static Node ToNode(JsonObject obj) => obj.Deserialize(KubernetesJsonContext.Default.Node)!;

    private static string NodeFieldValue(JsonObject node, string field) => field switch
    {
        "metadata.name" => KubeJson.GetString(node, "metadata", "name") ?? string.Empty,
        "spec.unschedulable" => KubeJson.GetBool(node, "spec", "unschedulable") == true ? "true" : "false",
        _ => string.Empty,
    };

    /// <summary>uid, resourceVersion and creationTimestamp as the API server sets them on create.</summary>
    private void StampNew(JsonObject obj)
    {
        var metadata = KubeJson.Metadata(obj);
        if (string.IsNullOrEmpty(KubeJson.GetString(metadata, "uid")))
        {
            metadata["uid"] = NewUid();
        }

        if (KubeJson.Get(metadata, ["creationTimestamp"]) is null)
        {
            metadata["creationTimestamp"] = KubeJson.FormatTime(_time.GetUtcNow());
        }

        metadata["resourceVersion"] = NextResourceVersion();
    }

    private (int, JsonNode) DispatchNodes(KubeRequestInfo info, HttpRequest request, byte[] body)
    {
        if (info.Namespace is not null || info.Subresource is not null)
        {
            throw KubeApiException.UnknownResource();
        }

        if (info.Verb == "list")
        {
            return (200, ListLocked("nodes", "NodeList", _nodes, null, request.Query, NodeFields, NodeFieldValue));
        }

        var name = info.Name!;
        return info.Verb switch
        {
            "get" => (200, _nodes.TryGetValue(name, out var node) ? node.DeepClone() : throw KubeApiException.NotFound("nodes", name)),
            "patch" => (200, PatchNodeLocked(name, request, body)),
            "update" => (200, PutNodeLocked(name, request, body)),
            _ => throw KubeApiException.MethodNotAllowed(),
        };
    }

    private JsonObject PatchNodeLocked(string name, HttpRequest request, byte[] body)
    {
        var mediaType = MediaType(request);
        if (mediaType == "application/apply-patch+yaml")
        {
            throw KubeApiException.UnsupportedMediaType(PatchMediaTypes + " (server-side apply is not implemented by FakeKubeApiServer)");
        }

        if (mediaType is not ("application/merge-patch+json" or "application/strategic-merge-patch+json" or "application/json-patch+json"))
        {
            throw KubeApiException.UnsupportedMediaType(PatchMediaTypes);
        }

        var current = _nodes.TryGetValue(name, out var stored) ? stored : throw KubeApiException.NotFound("nodes", name);
        JsonNode? patch;
        try
        {
            patch = JsonNode.Parse(body);
        }
        catch (JsonException e)
        {
            throw KubeApiException.BadRequest($"error decoding patch: {e.Message}");
        }

        JsonNode? patched;
        if (mediaType == "application/json-patch+json")
        {
            try
            {
                patched = JsonPatch.Apply(current, patch);
            }
            catch (FormatException e)
            {
                throw KubeApiException.BadRequest(e.Message);
            }
            catch (InvalidOperationException e)
            {
                throw new KubeApiException(422, "Invalid", e.Message);
            }
        }
        else
        {
            // A strategic merge patch is a merge patch for every node field the agent writes: NodeSpec.taints has no
            // patchStrategy, so lists replace. $patch directives are not implemented.
            if (patch is not JsonObject)
            {
                throw KubeApiException.BadRequest("Invalid JSON Patch");
            }

            patched = JsonMergePatch.Apply(current, patch);
        }

        if (patched is not JsonObject result)
        {
            throw FieldInvalid("Node", name, "patch", patched?.ToJsonString() ?? "null", "the patched object is not a JSON object");
        }

        return UpdateNodeLocked(name, current, result, fromPatch: true);
    }

    private JsonObject PutNodeLocked(string name, HttpRequest request, byte[] body)
    {
        RequireJsonBody(request);
        var current = _nodes.TryGetValue(name, out var stored) ? stored : null;
        var result = KubeJson.ParseObject(body, "Node");

        // Nodes do not allow create-on-update.
        return current is null ? throw KubeApiException.NotFound("nodes", name) : UpdateNodeLocked(name, current, result, fromPatch: false);
    }

    private static KubeApiException FieldInvalid(string kind, string name, string field, string value, string detail) =>
        KubeApiException.Invalid(kind, name, [FieldError.Invalid(field, value, detail)]);

    /// <summary>
    /// The update path shared by PATCH and PUT, in the API server's order: decode (400 for PUT, 422 "patch" for
    /// PATCH), resourceVersion precondition (409), then rest.BeforeUpdate (server-owned metadata and status kept from
    /// the stored object, uid immutable) and node validation (422). An update that changes nothing is not a write.
    /// </summary>
    private JsonObject UpdateNodeLocked(string name, JsonObject current, JsonObject result, bool fromPatch)
    {
        var kind = KubeJson.GetString(result, "kind");
        var apiVersion = KubeJson.GetString(result, "apiVersion");
        if ((kind is not null && kind != "Node") || (apiVersion is not null && apiVersion != "v1"))
        {
            throw KubeApiException.BadRequest($"the body of the request was not a v1 Node (kind \"{kind}\", apiVersion \"{apiVersion}\")");
        }

        try
        {
            _ = result.Deserialize(KubernetesJsonContext.Default.Node);
        }
        catch (JsonException e)
        {
            throw fromPatch
                ? FieldInvalid("Node", name, "patch", result.ToJsonString(), e.Message)
                : KubeApiException.BadRequest($"Node in version \"v1\" cannot be handled as a Node: {e.Message}");
        }

        var metadata = KubeJson.Metadata(result);
        var objectName = KubeJson.GetString(metadata, "name") ?? string.Empty;
        if (objectName != name)
        {
            throw KubeApiException.BadRequest($"the name of the object ({objectName}) does not match the name on the URL ({name})");
        }

        var currentVersion = KubeJson.GetString(current, "metadata", "resourceVersion");
        var requestedVersion = KubeJson.GetString(metadata, "resourceVersion");
        if (!string.IsNullOrEmpty(requestedVersion) && requestedVersion != currentVersion)
        {
            throw KubeApiException.StaleResourceVersion("nodes", name);
        }

        var currentMetadata = KubeJson.Metadata(current);
        var errors = new List<FieldError>();
        var uid = KubeJson.GetString(metadata, "uid");
        if (string.IsNullOrEmpty(uid))
        {
            metadata["uid"] = currentMetadata["uid"]?.DeepClone();
        }
        else if (uid != KubeJson.GetString(currentMetadata, "uid"))
        {
            errors.Add(FieldError.Invalid("metadata.uid", uid, "field is immutable"));
        }

        if (!string.IsNullOrEmpty(KubeJson.GetString(metadata, "namespace")))
        {
            errors.Add(FieldError.Forbidden("metadata.namespace", "not allowed on this type"));
        }

        foreach (var owned in (string[])["creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds"])
        {
            if (currentMetadata[owned] is { } value)
            {
                metadata[owned] = value.DeepClone();
            }
            else
            {
                metadata.Remove(owned);
            }
        }

        // nodeStrategy.PrepareForUpdate: status is written through nodes/status only.
        if (current["status"] is { } status)
        {
            result["status"] = status.DeepClone();
        }
        else
        {
            result.Remove("status");
        }

        var providerId = KubeJson.GetString(current, "spec", "providerID");
        if (!string.IsNullOrEmpty(providerId) && KubeJson.GetString(result, "spec", "providerID") != providerId)
        {
            errors.Add(FieldError.Forbidden("spec.providerID", "node updates may not change providerID except from \"\" to valid"));
        }

        KubeValidation.ValidateObjectMeta(metadata, errors);
        KubeValidation.ValidateTaints(KubeJson.Get(result, ["spec", "taints"]), errors);
        if (errors.Count > 0)
        {
            throw KubeApiException.Invalid("Node", name, errors);
        }

        result["kind"] = "Node";
        result["apiVersion"] = "v1";
        metadata["resourceVersion"] = currentVersion;
        if (JsonNode.DeepEquals(result, current))
        {
            return (JsonObject)current.DeepClone();
        }

        metadata["resourceVersion"] = NextResourceVersion();
        _nodes[name] = result;
        return (JsonObject)result.DeepClone();
    }
}
