using System.Globalization;
using System.Text.Json.Nodes;

namespace Spotable.Testing.FakeKube;

/// <summary>
/// RFC 6902 JSON patch (add, remove, replace, move, copy, test) on a JSON document. A malformed patch is a
/// <see cref="FormatException"/> (400 in the API server), a failed operation an <see cref="InvalidOperationException"/>
/// (422).
/// </summary>
internal static class JsonPatch
{
    public static JsonNode Apply(JsonNode document, JsonNode? patch)
    {
        if (patch is not JsonArray operations)
        {
            throw new FormatException("json: cannot unmarshal object into Go value of type jsonpatch.Patch");
        }

        var root = document.DeepClone();
        foreach (var operation in operations)
        {
            if (operation is not JsonObject op)
            {
                throw new FormatException("json: cannot unmarshal non-object into Go value of type jsonpatch.Operation");
            }

            var name = KubeJson.GetString(op, "op") ?? throw new FormatException("missing op");
            var path = KubeJson.GetString(op, "path") ?? throw new InvalidOperationException($"{name} operation: missing path");
            switch (name)
            {
                case "add":
                    root = Add(root, path, RequireValue(op, name));
                    break;
                case "remove":
                    root = Remove(root, path, out _);
                    break;
                case "replace":
                    root = Remove(root, path, out _);
                    root = Add(root, path, RequireValue(op, name));
                    break;
                case "move":
                    {
                        var from = KubeJson.GetString(op, "from") ?? throw new InvalidOperationException("move operation: missing from");
                        root = Remove(root, from, out var moved);
                        root = Add(root, path, moved);
                        break;
                    }

                case "copy":
                    {
                        var from = KubeJson.GetString(op, "from") ?? throw new InvalidOperationException("copy operation: missing from");
                        root = Add(root, path, Resolve(root, from)?.DeepClone());
                        break;
                    }

                case "test":
                    if (!JsonNode.DeepEquals(Resolve(root, path), RequireValue(op, name)))
                    {
                        throw new InvalidOperationException($"testing value {path} failed: test failed");
                    }

                    break;
                default:
                    throw new FormatException($"Unexpected kind: {name}");
            }
        }

        return root;
    }

    private static JsonNode? RequireValue(JsonObject op, string name) =>
        op.TryGetPropertyValue("value", out var value)
            ? value?.DeepClone()
            : throw new InvalidOperationException($"{name} operation: missing value");

    private static List<string> Tokens(string pointer)
    {
        if (pointer.Length == 0)
        {
            return [];
        }

        if (pointer[0] != '/')
        {
            throw new InvalidOperationException($"invalid JSON pointer: {pointer}");
        }

        return pointer[1..].Split('/').Select(t => t.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal)).ToList();
    }

    private static JsonNode? Resolve(JsonNode? root, string pointer)
    {
        var node = root;
        foreach (var token in Tokens(pointer))
        {
            node = node switch
            {
                JsonObject obj when obj.TryGetPropertyValue(token, out var child) => child,
                JsonArray array when TryIndex(token, array.Count, out var i) => array[i],
                _ => throw new InvalidOperationException($"path {pointer}: doc is missing key: {token}"),
            };
        }

        return node;
    }

    private static JsonNode Add(JsonNode root, string pointer, JsonNode? value)
    {
        var tokens = Tokens(pointer);
        if (tokens.Count == 0)
        {
            return value ?? throw new InvalidOperationException("add operation: cannot replace the document with null");
        }

        var parent = Resolve(root, ParentPointer(tokens));
        var last = tokens[^1];
        switch (parent)
        {
            case JsonObject obj:
                obj[last] = value;
                break;
            case JsonArray array when last == "-":
                array.Add(value);
                break;
            case JsonArray array when TryIndex(last, array.Count + 1, out var i):
                array.Insert(i, value);
                break;
            default:
                throw new InvalidOperationException($"add operation does not apply: doc is missing path: \"{pointer}\"");
        }

        return root;
    }

    private static JsonNode Remove(JsonNode root, string pointer, out JsonNode? removed)
    {
        var tokens = Tokens(pointer);
        if (tokens.Count == 0)
        {
            throw new InvalidOperationException("remove operation: cannot remove the document");
        }

        var parent = Resolve(root, ParentPointer(tokens));
        var last = tokens[^1];
        switch (parent)
        {
            case JsonObject obj when obj.TryGetPropertyValue(last, out removed):
                obj.Remove(last);
                break;
            case JsonArray array when TryIndex(last, array.Count, out var i):
                removed = array[i];
                array.RemoveAt(i);
                break;
            default:
                throw new InvalidOperationException($"remove operation does not apply: doc is missing path: \"{pointer}\"");
        }

        // Detach so the node can be added elsewhere (move).
        removed = removed?.DeepClone();
        return root;
    }

    private static string ParentPointer(List<string> tokens) =>
        string.Concat(tokens.Take(tokens.Count - 1).Select(t => "/" + Escape(t)));

    private static string Escape(string token) => token.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);

    private static bool TryIndex(string token, int count, out int index) =>
        int.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out index) && index < count;
}
