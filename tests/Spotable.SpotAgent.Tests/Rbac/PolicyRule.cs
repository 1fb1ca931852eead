namespace Spotable.SpotAgent.Tests.Rbac;

/// <summary>One rbac.authorization.k8s.io/v1 PolicyRule as written in a ClusterRole.</summary>
internal sealed record PolicyRule(
    IReadOnlyList<string> ApiGroups,
    IReadOnlyList<string> Resources,
    IReadOnlyList<string> Verbs,
    IReadOnlyList<string> ResourceNames,
    IReadOnlyList<string> NonResourceUrls);
