using System.Text.Json.Serialization;

namespace Spotable.Common.Kubernetes;

/// <summary>
/// Source-generated (NativeAOT-safe) JSON for the Kubernetes objects Spotable uses: slices of core/v1, policy/v1 and
/// meta/v1 objects named as in the API (https://kubernetes.io/docs/reference/kubernetes-api/). Unknown fields are
/// ignored when reading; nulls are not written, so a merge patch or a create only carries what was set.
/// </summary>
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
