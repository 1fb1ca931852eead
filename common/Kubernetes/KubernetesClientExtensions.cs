using System.Runtime.CompilerServices;

namespace Spotable.Common.Kubernetes;

public static class KubernetesClientExtensions
{
    /// <summary>
    /// Every pod matching the selectors, fetched <paramref name="pageSize"/> at a time by following
    /// <c>metadata.continue</c>. Pages are a consistent snapshot; a continue token that expired mid-list (410) is thrown,
    /// not papered over, since pods already yielded would repeat.
    /// </summary>
    public static async IAsyncEnumerable<Pod> ListAllPodsAsync(
        this IKubernetesClient client,
        string? fieldSelector,
        string? labelSelector,
        int pageSize,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentOutOfRangeException.ThrowIfLessThan(pageSize, 1);
        string? continueToken = null;
        do
        {
            var page = await client.ListPodsAsync(fieldSelector, labelSelector, pageSize, continueToken, cancellationToken);
            foreach (var pod in page.Items)
            {
                yield return pod;
            }

            continueToken = page.Metadata?.Continue;
        }
        while (!string.IsNullOrEmpty(continueToken));
    }
}
