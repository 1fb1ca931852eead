using System.Text.Json.Serialization;

namespace Spotable.SpotAgent.Handling;

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(NodeRecord))]
internal sealed partial class AgentJsonContext : JsonSerializerContext;
