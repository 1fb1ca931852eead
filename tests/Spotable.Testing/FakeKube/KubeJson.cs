using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Spotable.Testing.FakeKube;

/// <summary>Reading and writing the few fields of stored objects the fake acts on, without a typed model.</summary>
internal static class KubeJson
{
    public static string? GetString(JsonNode? node, params ReadOnlySpan<string> path)
    {
        var value = Get(node, path);
        return value is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
    }

    public static long? GetInt64(JsonNode? node, params ReadOnlySpan<string> path)
    {
        var value = Get(node, path);
        if (value is JsonValue v)
        {
            if (v.TryGetValue<long>(out var l))
            {
                return l;
            }

            if (v.GetValueKind() == JsonValueKind.Number && long.TryParse(v.ToJsonString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out l))
            {
                return l;
            }
        }

        return null;
    }

    public static bool? GetBool(JsonNode? node, params ReadOnlySpan<string> path) =>
        Get(node, path) is JsonValue v && v.TryGetValue<bool>(out var b) ? b : null;

    public static DateTimeOffset? GetTime(JsonNode? node, params ReadOnlySpan<string> path) =>
        GetString(node, path) is { } text
        && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time)
            ? time
            : null;

    public static JsonNode? Get(JsonNode? node, ReadOnlySpan<string> path)
    {
        foreach (var segment in path)
        {
            if (node is not JsonObject obj || !obj.TryGetPropertyValue(segment, out node))
            {
                return null;
            }
        }

        return node;
    }

    /// <summary>The object at <paramref name="name"/> under <paramref name="parent"/>, created when missing or not an object.</summary>
    public static JsonObject Child(JsonObject parent, string name)
    {
        if (parent[name] is JsonObject child)
        {
            return child;
        }

        child = new JsonObject();
        parent[name] = child;
        return child;
    }

    public static JsonObject Metadata(JsonObject obj) => Child(obj, "metadata");

    public static Dictionary<string, string> Labels(JsonObject obj)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (Get(obj, ["metadata", "labels"]) is JsonObject map)
        {
            foreach (var (key, value) in map)
            {
                if (value is JsonValue v && v.TryGetValue<string>(out var s))
                {
                    labels[key] = s;
                }
            }
        }

        return labels;
    }

    /// <summary>RFC 3339 in whole seconds: metav1.Time keeps no fraction, on the wire or in etcd.</summary>
    public static string FormatTime(DateTimeOffset time) =>
        TruncateToSeconds(time).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    public static DateTimeOffset TruncateToSeconds(DateTimeOffset time) =>
        new(time.UtcTicks - (time.UtcTicks % TimeSpan.TicksPerSecond), TimeSpan.Zero);

    public static JsonObject ParseObject(ReadOnlySpan<byte> body, string what)
    {
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(body);
        }
        catch (JsonException e)
        {
            throw KubeApiException.BadRequest($"error decoding {what}: {e.Message}");
        }

        return node as JsonObject ?? throw KubeApiException.BadRequest($"error decoding {what}: the body is not a JSON object");
    }
}
