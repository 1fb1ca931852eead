using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Spotable.Testing.FakeKube;

public sealed partial class FakeKubeApiServer
{
    /// <summary>How many paged list snapshots are kept; older continue tokens answer 410 Expired, like a compacted etcd.</summary>
    private const int MaxListSnapshots = 64;

    private const string ExpiredMessage =
        "The provided continue parameter is too old to display a consistent list result. You can start a new list without the "
        + "continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing "
        + "with the provided token results in an inconsistent list - objects that were created, modified, or deleted between "
        + "the time the first chunk was returned and now may show up in the list.";

    private readonly LinkedList<(string Resource, long Version, SortedDictionary<string, JsonObject> Items)> _snapshots = new();

    /// <summary>Drops every list snapshot: outstanding continue tokens answer 410 Expired (etcd compaction).</summary>
    public void ExpireContinueTokens()
    {
        lock (_gate)
        {
            _snapshots.Clear();
        }
    }

    private static int? ParseLimit(IQueryCollection query)
    {
        var text = query["limit"].ToString();
        if (text.Length == 0)
        {
            return null;
        }

        if (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var limit))
        {
            throw KubeApiException.BadRequest($"strconv.ParseInt: parsing \"{text}\": invalid syntax");
        }

        // The storage treats a limit of zero or less as no limit.
        return limit <= 0 ? null : (int)Math.Min(limit, int.MaxValue);
    }

    private static string EncodeContinue(long version, string startKey)
    {
        var json = JsonSerializer.Serialize(new JsonObject { ["v"] = "meta.k8s.io/v1", ["rv"] = version, ["start"] = startKey });
        return Convert.ToBase64String(Encoding.UTF8.GetBytes(json)).Replace('+', '-').Replace('/', '_').TrimEnd('=');
    }

    /// <summary>storage.DecodeContinue: base64url (no padding) of {"v","rv","start"}; any flaw is 400 "continue key is not valid".</summary>
    private static (long Version, string StartKey) DecodeContinue(string token)
    {
        byte[] bytes;
        try
        {
            var base64 = token.Replace('-', '+').Replace('_', '/');
            bytes = Convert.FromBase64String(base64.PadRight(base64.Length + ((4 - (base64.Length % 4)) % 4), '='));
        }
        catch (FormatException e)
        {
            throw KubeApiException.BadRequest($"continue key is not valid: illegal base64 data ({e.Message})");
        }

        JsonNode? node;
        try
        {
            node = JsonNode.Parse(bytes);
        }
        catch (JsonException e)
        {
            throw KubeApiException.BadRequest($"continue key is not valid: {e.Message}");
        }

        if (KubeJson.GetString(node, "v") != "meta.k8s.io/v1")
        {
            throw KubeApiException.BadRequest("continue key is not valid: server does not recognize this encoded version");
        }

        var version = KubeJson.GetInt64(node, "rv") ?? 0;
        if (version == 0)
        {
            throw KubeApiException.BadRequest("continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)");
        }

        var start = KubeJson.GetString(node, "start") ?? string.Empty;
        if (start.Length == 0)
        {
            throw KubeApiException.BadRequest("continue key is not valid: encoded start key empty (version meta.k8s.io/v1)");
        }

        return (version, start);
    }

    /// <summary>
    /// A list in etcd key order (<c>namespace/name</c>, or name for cluster-scoped kinds) with selectors and paging.
    /// A page that stops early carries <c>metadata.continue</c>, which resumes over a snapshot taken at the first page,
    /// as the real storage does; the last page may be empty when the remaining keys match no selector.
    /// <c>remainingItemCount</c> is only given without selectors (the storage cannot count matches it has not read).
    /// </summary>
    private JsonObject ListLocked(
        string resource,
        string listKind,
        SortedDictionary<string, JsonObject> store,
        string? ns,
        IQueryCollection query,
        IReadOnlySet<string> selectableFields,
        Func<JsonObject, string, string> fieldValue,
        IReadOnlyDictionary<string, string>? fieldAliases = null)
    {
        LabelSelector labels;
        FieldSelector fields;
        try
        {
            labels = LabelSelector.Parse(query["labelSelector"].ToString());
            fields = FieldSelector.Parse(query["fieldSelector"].ToString(), selectableFields, fieldAliases);
        }
        catch (FormatException e)
        {
            throw KubeApiException.BadRequest(e.Message);
        }

        var limit = ParseLimit(query);
        var continueToken = query["continue"].ToString();
        var requestedVersion = query["resourceVersion"].ToString();

        SortedDictionary<string, JsonObject> source;
        long version;
        string? startKey = null;
        if (continueToken.Length > 0)
        {
            if (requestedVersion.Length > 0 && requestedVersion != "0")
            {
                throw KubeApiException.BadRequest("specifying resource version is not allowed when using continue");
            }

            (version, startKey) = DecodeContinue(continueToken);
            var snapshot = _snapshots.FirstOrDefault(s => s.Resource == resource && s.Version == version);
            source = snapshot.Items ?? throw KubeApiException.Expired(ExpiredMessage);
        }
        else
        {
            source = store;
            version = _resourceVersion;
        }

        var prefix = ns is null ? null : ns + "/";
        var inScope = source.Where(e =>
            (prefix is null || e.Key.StartsWith(prefix, StringComparison.Ordinal))
            && (startKey is null || string.CompareOrdinal(e.Key, startKey) >= 0)).ToList();

        var items = new JsonArray();
        string? lastKey = null;
        var examined = 0;
        foreach (var (key, obj) in inScope)
        {
            if (limit is not null && items.Count >= limit)
            {
                break;
            }

            examined++;
            lastKey = key;
            if (labels.Matches(KubeJson.Labels(obj)) && fields.Matches(field => fieldValue(obj, field)))
            {
                var item = (JsonObject)obj.DeepClone();

                // List items carry no kind/apiVersion on the wire; the list does.
                item.Remove("kind");
                item.Remove("apiVersion");
                items.Add(item);
            }
        }

        var metadata = new JsonObject { ["resourceVersion"] = version.ToString(CultureInfo.InvariantCulture) };
        var remaining = inScope.Count - examined;
        if (limit is not null && remaining > 0 && lastKey is not null)
        {
            if (continueToken.Length == 0)
            {
                TakeSnapshot(resource, version, store);
            }

            metadata["continue"] = EncodeContinue(version, lastKey + "\u0000");
            if (labels.IsEmpty && fields.IsEmpty)
            {
                metadata["remainingItemCount"] = remaining;
            }
        }

        return new JsonObject
        {
            ["kind"] = listKind,
            ["apiVersion"] = "v1",
            ["metadata"] = metadata,
            ["items"] = items,
        };
    }

    private void TakeSnapshot(string resource, long version, SortedDictionary<string, JsonObject> store)
    {
        if (_snapshots.Any(s => s.Resource == resource && s.Version == version))
        {
            return;
        }

        var copy = new SortedDictionary<string, JsonObject>(StringComparer.Ordinal);
        foreach (var (key, value) in store)
        {
            copy[key] = (JsonObject)value.DeepClone();
        }

        _snapshots.AddLast((resource, version, copy));
        while (_snapshots.Count > MaxListSnapshots)
        {
            _snapshots.RemoveFirst();
        }
    }
}
