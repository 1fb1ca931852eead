using System.Text.Json.Serialization;

namespace Spotable.Common.Kubernetes;

// The slices of the Kubernetes core/v1 and policy/v1 objects Spotable reads and writes, named as in the API
// (https://kubernetes.io/docs/reference/kubernetes-api/). Unknown fields are ignored when reading; nulls are not
// written, so a merge patch or a create only carries what was set.

public sealed class ObjectMeta
{
    public string? Name { get; set; }
    public string? GenerateName { get; set; }
    public string? Namespace { get; set; }
    public string? Uid { get; set; }
    public string? ResourceVersion { get; set; }
    public DateTimeOffset? CreationTimestamp { get; set; }
    public DateTimeOffset? DeletionTimestamp { get; set; }
    public long? DeletionGracePeriodSeconds { get; set; }
    public Dictionary<string, string>? Labels { get; set; }
    public Dictionary<string, string>? Annotations { get; set; }
    public List<OwnerReference>? OwnerReferences { get; set; }
}

public sealed class OwnerReference
{
    public string? ApiVersion { get; set; }
    public string? Kind { get; set; }
    public string? Name { get; set; }
    public string? Uid { get; set; }
    public bool? Controller { get; set; }
}

public sealed class ListMeta
{
    public string? ResourceVersion { get; set; }
    [JsonPropertyName("continue")]
    public string? Continue { get; set; }
    public long? RemainingItemCount { get; set; }
}

public sealed class Node
{
    public string? ApiVersion { get; set; } = "v1";
    public string? Kind { get; set; } = "Node";
    public ObjectMeta Metadata { get; set; } = new();
    public NodeSpec? Spec { get; set; }
    public NodeStatus? Status { get; set; }
}

public sealed class NodeSpec
{
    public bool? Unschedulable { get; set; }
    public List<Taint>? Taints { get; set; }
    public string? ProviderID { get; set; }
}

public sealed class NodeStatus
{
    public Dictionary<string, string>? Allocatable { get; set; }
    public Dictionary<string, string>? Capacity { get; set; }
}

public sealed class Taint
{
    public string Key { get; set; } = "";
    public string? Value { get; set; }
    public string Effect { get; set; } = "";
    public DateTimeOffset? TimeAdded { get; set; }
}

public sealed class Pod
{
    public string? ApiVersion { get; set; } = "v1";
    public string? Kind { get; set; } = "Pod";
    public ObjectMeta Metadata { get; set; } = new();
    public PodSpec? Spec { get; set; }
    public PodStatus? Status { get; set; }
}

public sealed class PodSpec
{
    public string? NodeName { get; set; }
    public long? TerminationGracePeriodSeconds { get; set; }
    public string? PriorityClassName { get; set; }
}

public sealed class PodStatus
{
    public string? Phase { get; set; }
}

public sealed class PodList
{
    public string? ApiVersion { get; set; } = "v1";
    public string? Kind { get; set; } = "PodList";
    public ListMeta Metadata { get; set; } = new();
    public List<Pod> Items { get; set; } = [];
}

/// <summary>policy/v1 Eviction: POSTed to pods/{name}/eviction.</summary>
public sealed class Eviction
{
    public string? ApiVersion { get; set; } = "policy/v1";
    public string? Kind { get; set; } = "Eviction";
    public ObjectMeta Metadata { get; set; } = new();
    public DeleteOptions? DeleteOptions { get; set; }
}

public sealed class DeleteOptions
{
    public string? ApiVersion { get; set; } = "v1";
    public string? Kind { get; set; } = "DeleteOptions";
    public long? GracePeriodSeconds { get; set; }
    public Preconditions? Preconditions { get; set; }
    public string? PropagationPolicy { get; set; }
}

public sealed class Preconditions
{
    public string? Uid { get; set; }
    public string? ResourceVersion { get; set; }
}

/// <summary>core/v1 Event.</summary>
public sealed class KubeEvent
{
    public string? ApiVersion { get; set; } = "v1";
    public string? Kind { get; set; } = "Event";
    public ObjectMeta Metadata { get; set; } = new();
    public ObjectReference InvolvedObject { get; set; } = new();
    public string? Reason { get; set; }
    public string? Message { get; set; }
    /// <summary><c>Normal</c> or <c>Warning</c>.</summary>
    public string? Type { get; set; }
    public EventSource? Source { get; set; }
    public DateTimeOffset? FirstTimestamp { get; set; }
    public DateTimeOffset? LastTimestamp { get; set; }
    public int? Count { get; set; }
    public string? ReportingComponent { get; set; }
    public string? ReportingInstance { get; set; }
    public string? Action { get; set; }
}

public sealed class ObjectReference
{
    public string? ApiVersion { get; set; }
    public string? Kind { get; set; }
    public string? Name { get; set; }
    public string? Namespace { get; set; }
    public string? Uid { get; set; }
}

public sealed class EventSource
{
    public string? Component { get; set; }
    public string? Host { get; set; }
}

/// <summary>meta/v1 Status: the body of every API error.</summary>
public sealed class KubeStatus
{
    public string? ApiVersion { get; set; } = "v1";
    public string? Kind { get; set; } = "Status";
    public string? Status { get; set; }
    public string? Message { get; set; }
    public string? Reason { get; set; }
    public int? Code { get; set; }
    public StatusDetails? Details { get; set; }
}

public sealed class StatusDetails
{
    public string? Name { get; set; }
    public string? Group { get; set; }
    public string? Kind { get; set; }
    public int? RetryAfterSeconds { get; set; }
}
