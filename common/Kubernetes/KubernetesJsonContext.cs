using System.Text.Json.Serialization;

namespace Spotable.Common.Kubernetes;

/// <summary>Source-generated (NativeAOT-safe) JSON for the Kubernetes objects Spotable uses.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(Node))]
[JsonSerializable(typeof(Pod))]
[JsonSerializable(typeof(PodList))]
[JsonSerializable(typeof(Eviction))]
[JsonSerializable(typeof(DeleteOptions))]
[JsonSerializable(typeof(KubeEvent))]
[JsonSerializable(typeof(KubeStatus))]
public sealed partial class KubernetesJsonContext : JsonSerializerContext;
