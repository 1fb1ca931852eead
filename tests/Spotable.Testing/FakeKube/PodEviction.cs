namespace Spotable.Testing.FakeKube;

/// <summary>An eviction request that reached an existing pod: 201 when accepted, 429 when a PodDisruptionBudget refused it.</summary>
public sealed record PodEviction(string Namespace, string Name, int StatusCode, DateTimeOffset Time);
