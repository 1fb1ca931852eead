namespace Spotable.Common.Kubernetes;

/// <summary>
/// The few Kubernetes API calls Spotable makes, narrow on purpose so the official client can replace the thin one.
/// Errors are KubernetesApiExceptions (typed for 404, 409, 422, 429).
/// </summary>
public interface IKubernetesClient
{
    Task<Node> GetNodeAsync(string name, CancellationToken cancellationToken);

    /// <summary>JSON merge patch (RFC 7386). Put <c>metadata.resourceVersion</c> in the patch to fail with 409 on a stale read.</summary>
    Task<Node> PatchNodeAsync(string name, string mergePatchJson, CancellationToken cancellationToken);

    /// <summary>One page of pods in every namespace. Pass the previous page's <c>metadata.continue</c> to get the next.</summary>
    Task<PodList> ListPodsAsync(string? fieldSelector, string? labelSelector, int? limit, string? continueToken, CancellationToken cancellationToken);

    /// <summary>policy/v1 eviction. A PodDisruptionBudget that allows no disruption answers 429 (KubernetesTooManyRequestsException), not retried here.</summary>
    Task EvictPodAsync(string podNamespace, string name, CancellationToken cancellationToken);

    /// <summary>Deletes a pod with the given grace; with <paramref name="uidPrecondition"/> a pod of the same name but another UID is left alone (409).</summary>
    Task DeletePodAsync(string podNamespace, string name, long? gracePeriodSeconds, string? uidPrecondition, CancellationToken cancellationToken);

    Task CreateEventAsync(string eventNamespace, KubeEvent kubeEvent, CancellationToken cancellationToken);
}
