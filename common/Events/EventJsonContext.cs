using System.Text.Json.Serialization;

namespace Spotable.Common.Events;

/// <summary>Source-generated (NativeAOT-safe) JSON for every message body Spotable publishes.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    WriteIndented = false)]
[JsonSerializable(typeof(GameServerEvent))]
[JsonSerializable(typeof(NodeEvent))]
public sealed partial class EventJsonContext : JsonSerializerContext;
