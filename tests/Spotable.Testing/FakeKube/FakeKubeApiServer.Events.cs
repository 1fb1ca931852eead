using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Spotable.Common.Kubernetes;

namespace Spotable.Testing.FakeKube;

public sealed partial class FakeKubeApiServer
{
    // pkg/registry/core/event/strategy.go ToSelectableFields, plus the generic metadata fields.
    private static readonly HashSet<string> EventFields = new(StringComparer.Ordinal)
    {
        "metadata.name", "metadata.namespace", "involvedObject.kind", "involvedObject.namespace", "involvedObject.name",
        "involvedObject.uid", "involvedObject.apiVersion", "involvedObject.resourceVersion", "involvedObject.fieldPath",
        "reason", "reportingComponent", "source", "type",
    };

    private readonly SortedDictionary<string, JsonObject> _events = new(StringComparer.Ordinal);

    /// <summary>The stored events in etcd key order (namespace/name).</summary>
    public IReadOnlyList<KubeEvent> Events
    {
        get
        {
            lock (_gate)
            {
                return _events.Values.Select(e => e.Deserialize(KubernetesJsonContext.Default.KubeEvent)!).ToList();
            }
        }
    }

    private static string EventFieldValue(JsonObject kubeEvent, string field)
    {
        string[] path = field switch
        {
            "source" => ["source", "component"],
            _ => field.Split('.'),
        };
        return KubeJson.GetString(kubeEvent, path) ?? string.Empty;
    }

    /// <summary>names.SimpleNameGenerator: generateName + 5 characters from an alphabet without vowels.</summary>
    private static string GenerateName(string prefix)
    {
        const string alphabet = "bcdfghjklmnpqrstvwxz2456789";
        var suffix = new char[5];
        for (var i = 0; i < suffix.Length; i++)
        {
            suffix[i] = alphabet[RandomNumberGenerator.GetInt32(alphabet.Length)];
        }

        // MaxGeneratedNameLength: the prefix is cut so the whole name stays within 63 characters.
        var cut = prefix.Length > 58 ? prefix[..58] : prefix;
        return cut + new string(suffix);
    }

    private (int, JsonNode) DispatchEvents(KubeRequestInfo info, HttpRequest request, byte[] body)
    {
        if (info.Verb == "list")
        {
            return (200, ListLocked("events", "EventList", _events, info.Namespace, request.Query, EventFields, EventFieldValue));
        }

        if (info.Namespace is null || info.Subresource is not null)
        {
            throw info.Name is null ? KubeApiException.MethodNotAllowed() : KubeApiException.UnknownResource();
        }

        return (info.Name, info.Verb) switch
        {
            (null, "create") => (201, CreateEventLocked(info.Namespace, request, body)),
            ({ } name, "get") => (200, _events.TryGetValue(info.Namespace + "/" + name, out var stored)
                ? stored.DeepClone()
                : throw KubeApiException.NotFound("events", name)),
            _ => throw KubeApiException.MethodNotAllowed(),
        };
    }

    /// <summary>
    /// Creates a core/v1 Event the way the API server validates an old-style one (no eventTime): the namespace in the
    /// body matches the path (400), the namespace exists (404), an event about a cluster-scoped object (no
    /// involvedObject.namespace) lives in "default", otherwise in the involved object's namespace (422). Stricter than the
    /// server on purpose: involvedObject.kind, involvedObject.name and reason are required, because an event without
    /// them tells an operator nothing.
    /// </summary>
    private JsonObject CreateEventLocked(string ns, HttpRequest request, byte[] body)
    {
        RequireJsonBody(request);
        var kubeEvent = KubeJson.ParseObject(body, "Event");
        var kind = KubeJson.GetString(kubeEvent, "kind");
        var apiVersion = KubeJson.GetString(kubeEvent, "apiVersion");
        if ((kind is not null && kind != "Event") || (apiVersion is not null && apiVersion != "v1"))
        {
            throw KubeApiException.BadRequest($"the body of the request was not a v1 Event (kind \"{kind}\", apiVersion \"{apiVersion}\")");
        }

        try
        {
            _ = kubeEvent.Deserialize(KubernetesJsonContext.Default.KubeEvent);
        }
        catch (JsonException e)
        {
            throw KubeApiException.BadRequest($"Event in version \"v1\" cannot be handled as a Event: {e.Message}");
        }

        var metadata = KubeJson.Metadata(kubeEvent);
        var bodyNamespace = KubeJson.GetString(metadata, "namespace");
        if (!string.IsNullOrEmpty(bodyNamespace) && bodyNamespace != ns)
        {
            throw KubeApiException.BadRequest("the namespace of the provided object does not match the namespace sent on the request");
        }

        if (!_namespaces.Contains(ns))
        {
            throw KubeApiException.NotFound("namespaces", ns);
        }

        metadata["namespace"] = ns;
        var name = KubeJson.GetString(metadata, "name") ?? string.Empty;
        var generateName = KubeJson.GetString(metadata, "generateName") ?? string.Empty;
        if (name.Length == 0 && generateName.Length > 0)
        {
            name = GenerateName(generateName);
            metadata["name"] = name;
        }

        var errors = new List<FieldError>();
        if (name.Length == 0)
        {
            errors.Add(FieldError.Required("metadata.name", "name or generateName is required"));
        }
        else if (!KubeValidation.IsDns1123Subdomain(name))
        {
            errors.Add(FieldError.Invalid("metadata.name", name, KubeValidation.Dns1123SubdomainDetail));
        }

        KubeValidation.ValidateObjectMeta(metadata, errors);
        var involvedNamespace = KubeJson.GetString(kubeEvent, "involvedObject", "namespace") ?? string.Empty;
        var newStyle = KubeJson.Get(kubeEvent, ["eventTime"]) is not null;
        if (!newStyle && involvedNamespace.Length == 0 && ns != "default")
        {
            errors.Add(FieldError.Invalid("involvedObject.namespace", involvedNamespace, "does not match event.namespace"));
        }
        else if (!newStyle && involvedNamespace.Length > 0 && involvedNamespace != ns)
        {
            errors.Add(FieldError.Invalid("involvedObject.namespace", involvedNamespace, "does not match event.namespace"));
        }
        else if (newStyle && involvedNamespace.Length == 0 && ns is not ("default" or "kube-system"))
        {
            errors.Add(FieldError.Invalid("involvedObject.namespace", involvedNamespace, "does not match event.namespace"));
        }

        if (kubeEvent["involvedObject"] is not JsonObject)
        {
            errors.Add(FieldError.Required("involvedObject"));
        }
        else
        {
            foreach (var field in (string[])["kind", "name"])
            {
                if (string.IsNullOrEmpty(KubeJson.GetString(kubeEvent, "involvedObject", field)))
                {
                    errors.Add(FieldError.Required("involvedObject." + field));
                }
            }
        }

        if (string.IsNullOrEmpty(KubeJson.GetString(kubeEvent, "reason")))
        {
            errors.Add(FieldError.Required("reason"));
        }

        if (errors.Count > 0)
        {
            throw KubeApiException.Invalid("Event", name, errors);
        }

        var key = ns + "/" + name;
        if (_events.ContainsKey(key))
        {
            throw KubeApiException.AlreadyExists("events", name);
        }

        kubeEvent["kind"] = "Event";
        kubeEvent["apiVersion"] = "v1";
        metadata.Remove("uid");
        metadata.Remove("resourceVersion");
        metadata.Remove("creationTimestamp");
        StampNew(kubeEvent);
        _events[key] = kubeEvent;
        return (JsonObject)kubeEvent.DeepClone();
    }
}
