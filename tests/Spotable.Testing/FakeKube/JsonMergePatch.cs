using System.Text.Json.Nodes;

namespace Spotable.Testing.FakeKube;

/// <summary>RFC 7386 JSON merge patch: objects merge key by key, <c>null</c> removes, anything else (lists too) replaces.</summary>
internal static class JsonMergePatch
{
    public static JsonNode? Apply(JsonNode? target, JsonNode? patch)
    {
        if (patch is not JsonObject patchObject)
        {
            return patch?.DeepClone();
        }

        var result = target is JsonObject targetObject ? (JsonObject)targetObject.DeepClone() : new JsonObject();
        foreach (var (key, value) in patchObject)
        {
            if (value is null)
            {
                result.Remove(key);
                continue;
            }

            result.TryGetPropertyValue(key, out var existing);
            result[key] = Apply(existing, value);
        }

        return result;
    }
}
