using System.Text.Json;

namespace Spotable.SpotAgent.Tests.Manifests;

/// <summary>Reads manifests/iam/*.json and the parts of an IAM policy the tests look at.</summary>
internal static class IamDocument
{
    public static string Directory { get; } = Path.Combine(Kustomize.ManifestsRoot, "iam");

    public static JsonDocument Load(string fileName) => JsonDocument.Parse(File.ReadAllText(Path.Combine(Directory, fileName)));

    /// <summary>The statements of a policy (a single statement object counts as one).</summary>
    public static IReadOnlyList<JsonElement> Statements(JsonDocument policy)
    {
        var statement = policy.RootElement.GetProperty("Statement");
        return statement.ValueKind == JsonValueKind.Array ? [.. statement.EnumerateArray()] : [statement];
    }

    /// <summary>A policy element that may be a string or an array of strings (Action, Resource); empty when absent.</summary>
    public static IReadOnlyList<string> Strings(JsonElement statement, string property)
    {
        if (!statement.TryGetProperty(property, out var value))
        {
            return [];
        }

        return value.ValueKind == JsonValueKind.Array ? [.. value.EnumerateArray().Select(v => v.GetString()!)] : [value.GetString()!];
    }

    /// <summary>https://sqs.eu-west-1.amazonaws.com/123456789012/q.fifo → arn:aws:sqs:eu-west-1:123456789012:q.fifo.</summary>
    public static string QueueArnFromUrl(string queueUrl)
    {
        var uri = new Uri(queueUrl);
        var host = uri.Host.Split('.');
        var path = uri.AbsolutePath.Trim('/').Split('/');
        if (uri.Scheme != Uri.UriSchemeHttps || host.Length != 4 || host[0] != "sqs" || path.Length != 2)
        {
            throw new FormatException($"not an SQS queue URL: {queueUrl}");
        }

        return $"arn:aws:sqs:{host[1]}:{path[0]}:{path[1]}";
    }
}
