namespace Spotable.Testing.FakeKube;

/// <summary>
/// A delete the server accepted (directly or through an eviction). <see cref="GracePeriodSeconds"/> is the grace in
/// effect after the API server's rules (the pod's own grace when none was asked, 0 for an unscheduled or finished pod,
/// never longer than a deletion already pending); <see cref="RequestedGracePeriodSeconds"/> is what the client sent.
/// </summary>
public sealed record PodDeletion(
    string Namespace,
    string Name,
    string Uid,
    long GracePeriodSeconds,
    long? RequestedGracePeriodSeconds,
    DateTimeOffset Time,
    bool ByEviction);
