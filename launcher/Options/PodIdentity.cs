namespace Spotable.Launcher.Options;

/// <summary>Who the game is in Kubernetes, from the downward API (<c>POD_NAME</c>, <c>POD_NAMESPACE</c>, <c>POD_UID</c>, <c>NODE_NAME</c>).</summary>
internal sealed record PodIdentity(string? Name, string? Namespace, string? Uid, string? Node);
