using System.Net;
using Spotable.Common.Kubernetes;
using Spotable.Testing;

namespace Spotable.Common.Tests.Kubernetes;

public sealed class KubernetesClientExtensionsTests
{
    [Test]
    public async Task ListAllPodsAsync_ThreePages_FollowsContinueAndYieldsEveryPodInOrder()
    {
        var time = new FakeTimeProvider();
        using var handler = new FakeKubeHandler(time);
        handler.Reply(request => FakeKubeHandler.Json(HttpStatusCode.OK, request.Query.GetValueOrDefault("continue") switch
        {
            null => Page("c1", "a", "b"),
            "c1" => Page("c2", "c", "d"),
            "c2" => Page(null, "e"),
            var other => throw new InvalidOperationException($"unexpected continue {other}"),
        }));
        using var http = new HttpClient(handler, disposeHandler: false);
        using var client = new KubernetesClient(new KubernetesClientConfiguration { Server = new Uri("http://127.0.0.1:6443") }, httpClient: http, timeProvider: time);

        var names = new List<string>();
        await foreach (var pod in client.ListAllPodsAsync("spec.nodeName=n1", "spotable.io/role=game-server", 2, CancellationToken.None))
        {
            names.Add(pod.Metadata.Name!);
        }

        var requests = handler.Requests;
        Assert.Multiple(() =>
        {
            Assert.That(names, Is.EqualTo(new[] { "a", "b", "c", "d", "e" }));
            Assert.That(requests, Has.Count.EqualTo(3));
            Assert.That(requests.Select(r => r.Query.GetValueOrDefault("continue")), Is.EqualTo(new[] { null, "c1", "c2" }));
            Assert.That(requests.Select(r => r.Query["limit"]), Has.All.EqualTo("2"));
            Assert.That(requests.Select(r => r.Query["fieldSelector"]), Has.All.EqualTo("spec.nodeName=n1"));
            Assert.That(requests.Select(r => r.Query["labelSelector"]), Has.All.EqualTo("spotable.io/role=game-server"));
        });
    }

    [Test]
    public async Task ListAllPodsAsync_EmptyContinue_StopsAfterOnePage()
    {
        var client = new PagedClient(new PodList { Metadata = new ListMeta { Continue = "" }, Items = [new Pod()] });

        var count = 0;
        await foreach (var pod in client.ListAllPodsAsync(null, null, 500, CancellationToken.None))
        {
            count++;
        }

        Assert.Multiple(() =>
        {
            Assert.That(count, Is.EqualTo(1));
            Assert.That(client.Calls, Is.EqualTo(1));
        });
    }

    [Test]
    public void ListAllPodsAsync_ZeroPageSize_Throws()
    {
        var client = new PagedClient(new PodList());

        Assert.That(async () => await client.ListAllPodsAsync(null, null, 0, CancellationToken.None).GetAsyncEnumerator().MoveNextAsync(), Throws.InstanceOf<ArgumentOutOfRangeException>());
    }

    private static string Page(string? continueToken, params string[] names)
    {
        var items = string.Join(",", names.Select(n => $$$"""{"metadata":{"name":"{{{n}}}","namespace":"games"}}"""));
        var meta = continueToken is null ? """{"resourceVersion":"9"}""" : $$"""{"resourceVersion":"9","continue":"{{continueToken}}","remainingItemCount":1}""";
        return $$"""{"kind":"PodList","apiVersion":"v1","metadata":{{meta}},"items":[{{items}}]}""";
    }

    private sealed class PagedClient(PodList page) : IKubernetesClient
    {
        public int Calls { get; private set; }

        public Task<PodList> ListPodsAsync(string? fieldSelector, string? labelSelector, int? limit, string? continueToken, CancellationToken cancellationToken)
        {
            Calls++;
            return Task.FromResult(page);
        }

        public Task<Node> GetNodeAsync(string name, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<Node> PatchNodeAsync(string name, string mergePatchJson, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task EvictPodAsync(string podNamespace, string name, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task DeletePodAsync(string podNamespace, string name, long? gracePeriodSeconds, string? uidPrecondition, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task CreateEventAsync(string eventNamespace, KubeEvent kubeEvent, CancellationToken cancellationToken) => throw new NotSupportedException();
    }
}
