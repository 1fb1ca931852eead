using System.Net;
using System.Text.Json;
using Spotable.Common.Kubernetes;
using Spotable.Testing;

namespace Spotable.Common.Tests.Kubernetes;

public sealed class KubernetesClientTests
{
    private const string NodeName = "ip-10-0-1-23.ec2.internal";
    private const string NodeJson = """
        {"apiVersion":"v1","kind":"Node",
         "metadata":{"name":"ip-10-0-1-23.ec2.internal","uid":"8d0f","resourceVersion":"42","labels":{"kubernetes.io/hostname":"ip-10-0-1-23"}},
         "spec":{"unschedulable":true,"providerID":"aws:///us-east-1a/i-0123456789abcdef0",
                 "taints":[{"key":"spotable.io/interruption","value":"terminate","effect":"NoSchedule"}]},
         "status":{"allocatable":{"cpu":"2"},"someFieldWeDoNotModel":{"x":1}}}
        """;

    private FakeTimeProvider _time = null!;
    private FakeKubeHandler _handler = null!;
    private HttpClient _http = null!;

    [SetUp]
    public void SetUp()
    {
        _time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 21, 17, 11, 44, TimeSpan.Zero));
        _handler = new FakeKubeHandler(_time);
        _http = new HttpClient(_handler, disposeHandler: false);
    }

    [TearDown]
    public void TearDown()
    {
        _http.Dispose();
        _handler.Dispose();
    }

    [Test]
    public async Task GetNodeAsync_Exists_SendsAuthenticatedGetAndDecodesNode()
    {
        _handler.ReplyJson(HttpStatusCode.OK, NodeJson);
        using var client = CreateClient();

        var node = await FakeClock.RunAsync(client.GetNodeAsync(NodeName, CancellationToken.None), _time);

        var request = _handler.Requests.Single();
        Assert.Multiple(() =>
        {
            Assert.That(request.Method, Is.EqualTo(HttpMethod.Get));
            Assert.That(request.PathAndQuery, Is.EqualTo("/api/v1/nodes/ip-10-0-1-23.ec2.internal"));
            Assert.That(request.Authorization, Is.EqualTo("Bearer t0k3n"));
            Assert.That(request.Accept, Is.EqualTo("application/json"));
            Assert.That(request.Body, Is.Empty);
            Assert.That(node.Metadata.Name, Is.EqualTo(NodeName));
            Assert.That(node.Metadata.ResourceVersion, Is.EqualTo("42"));
            Assert.That(node.Spec!.Unschedulable, Is.True);
            Assert.That(node.Spec.Taints!.Single().Key, Is.EqualTo("spotable.io/interruption"));
            Assert.That(node.Spec.ProviderID, Is.EqualTo("aws:///us-east-1a/i-0123456789abcdef0"));
        });
    }

    [Test]
    public async Task PatchNodeAsync_MergePatch_SendsPatchWithMergePatchContentTypeAndBodyAsGiven()
    {
        _handler.ReplyJson(HttpStatusCode.OK, NodeJson);
        using var client = CreateClient();
        const string patch = """{"metadata":{"resourceVersion":"42","annotations":{"spotable.io/interruption":"x"}},"spec":{"unschedulable":true}}""";

        var node = await FakeClock.RunAsync(client.PatchNodeAsync(NodeName, patch, CancellationToken.None), _time);

        var request = _handler.Requests.Single();
        Assert.Multiple(() =>
        {
            Assert.That(request.Method, Is.EqualTo(HttpMethod.Patch));
            Assert.That(request.PathAndQuery, Is.EqualTo("/api/v1/nodes/ip-10-0-1-23.ec2.internal"));
            Assert.That(request.ContentType, Is.EqualTo("application/merge-patch+json"));
            Assert.That(request.Body, Is.EqualTo(patch));
            Assert.That(request.Authorization, Is.EqualTo("Bearer t0k3n"));
            Assert.That(node.Metadata.Uid, Is.EqualTo("8d0f"));
        });
    }

    [Test]
    public async Task ListPodsAsync_SelectorsLimitAndContinue_SendsThemUrlEncoded()
    {
        _handler.ReplyJson(HttpStatusCode.OK, """{"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"7"},"items":[]}""");
        using var client = CreateClient();
        const string fieldSelector = "spec.nodeName=ip-10-0-1-23.ec2.internal,status.phase!=Succeeded";
        const string labelSelector = "spotable.io/role in (game-server, lobby)";
        const string continueToken = "eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6MTIzfQ+/=";

        await FakeClock.RunAsync(client.ListPodsAsync(fieldSelector, labelSelector, 100, continueToken, CancellationToken.None), _time);

        var request = _handler.Requests.Single();
        Assert.Multiple(() =>
        {
            Assert.That(request.Method, Is.EqualTo(HttpMethod.Get));
            Assert.That(request.PathAndQuery, Is.EqualTo(
                "/api/v1/pods?fieldSelector=spec.nodeName%3Dip-10-0-1-23.ec2.internal%2Cstatus.phase%21%3DSucceeded"
                + "&labelSelector=spotable.io%2Frole%20in%20%28game-server%2C%20lobby%29"
                + "&limit=100"
                + "&continue=eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6MTIzfQ%2B%2F%3D"));
            Assert.That(request.Query["fieldSelector"], Is.EqualTo(fieldSelector));
            Assert.That(request.Query["labelSelector"], Is.EqualTo(labelSelector));
            Assert.That(request.Query["continue"], Is.EqualTo(continueToken));
        });
    }

    [Test]
    public async Task ListPodsAsync_NothingGiven_SendsBarePathAndDecodesItems()
    {
        _handler.ReplyJson(HttpStatusCode.OK, """
            {"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"7","continue":"next"},
             "items":[{"metadata":{"name":"game-1","namespace":"games","uid":"u-1","ownerReferences":[{"kind":"ReplicaSet","name":"rs","controller":true}]},
                       "spec":{"nodeName":"n1","terminationGracePeriodSeconds":60},"status":{"phase":"Running"}}]}
            """);
        using var client = CreateClient();

        var list = await FakeClock.RunAsync(client.ListPodsAsync(null, null, null, null, CancellationToken.None), _time);

        var pod = list.Items.Single();
        Assert.Multiple(() =>
        {
            Assert.That(_handler.Requests.Single().PathAndQuery, Is.EqualTo("/api/v1/pods"));
            Assert.That(list.Metadata.Continue, Is.EqualTo("next"));
            Assert.That(pod.Metadata.Namespace, Is.EqualTo("games"));
            Assert.That(pod.Metadata.OwnerReferences!.Single().Kind, Is.EqualTo("ReplicaSet"));
            Assert.That(pod.Spec!.TerminationGracePeriodSeconds, Is.EqualTo(60));
            Assert.That(pod.Status!.Phase, Is.EqualTo("Running"));
        });
    }

    [Test]
    public async Task EvictPodAsync_Pod_PostsPolicyV1EvictionNamingThePod()
    {
        _handler.ReplyJson(HttpStatusCode.Created, """{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Success","code":201}""");
        using var client = CreateClient();

        await FakeClock.RunAsync(client.EvictPodAsync("kube-system", "coredns-5d78c9869d-abcde", CancellationToken.None), _time);

        var request = _handler.Requests.Single();
        using var body = JsonDocument.Parse(request.Body);
        var root = body.RootElement;
        Assert.Multiple(() =>
        {
            Assert.That(request.Method, Is.EqualTo(HttpMethod.Post));
            Assert.That(request.PathAndQuery, Is.EqualTo("/api/v1/namespaces/kube-system/pods/coredns-5d78c9869d-abcde/eviction"));
            Assert.That(request.ContentType, Is.EqualTo("application/json"));
            Assert.That(root.GetProperty("apiVersion").GetString(), Is.EqualTo("policy/v1"));
            Assert.That(root.GetProperty("kind").GetString(), Is.EqualTo("Eviction"));
            Assert.That(root.GetProperty("metadata").GetProperty("name").GetString(), Is.EqualTo("coredns-5d78c9869d-abcde"));
            Assert.That(root.GetProperty("metadata").GetProperty("namespace").GetString(), Is.EqualTo("kube-system"));
            Assert.That(root.TryGetProperty("deleteOptions", out _), Is.False);
        });
    }

    [Test]
    public async Task DeletePodAsync_GraceAndUid_SendsDeleteOptionsWithGraceAndUidPrecondition()
    {
        _handler.ReplyJson(HttpStatusCode.OK, """{"kind":"Pod","apiVersion":"v1","metadata":{"name":"game-1","namespace":"games"}}""");
        using var client = CreateClient();

        await FakeClock.RunAsync(client.DeletePodAsync("games", "game-1", 25, "6f1c2a1e-0000-4000-8000-000000000001", CancellationToken.None), _time);

        var request = _handler.Requests.Single();
        using var body = JsonDocument.Parse(request.Body);
        var root = body.RootElement;
        Assert.Multiple(() =>
        {
            Assert.That(request.Method, Is.EqualTo(HttpMethod.Delete));
            Assert.That(request.PathAndQuery, Is.EqualTo("/api/v1/namespaces/games/pods/game-1"));
            Assert.That(request.ContentType, Is.EqualTo("application/json"));
            Assert.That(root.GetProperty("kind").GetString(), Is.EqualTo("DeleteOptions"));
            Assert.That(root.GetProperty("apiVersion").GetString(), Is.EqualTo("v1"));
            Assert.That(root.GetProperty("gracePeriodSeconds").GetInt64(), Is.EqualTo(25));
            Assert.That(root.GetProperty("preconditions").GetProperty("uid").GetString(), Is.EqualTo("6f1c2a1e-0000-4000-8000-000000000001"));
        });
    }

    [Test]
    public async Task DeletePodAsync_ZeroGraceNoUid_SendsZeroAndNoPreconditions()
    {
        _handler.ReplyJson(HttpStatusCode.OK, "{}");
        using var client = CreateClient();

        await FakeClock.RunAsync(client.DeletePodAsync("games", "game-1", 0, null, CancellationToken.None), _time);

        using var body = JsonDocument.Parse(_handler.Requests.Single().Body);
        Assert.Multiple(() =>
        {
            Assert.That(body.RootElement.GetProperty("gracePeriodSeconds").GetInt64(), Is.Zero);
            Assert.That(body.RootElement.TryGetProperty("preconditions", out _), Is.False);
        });
    }

    [Test]
    public void DeletePodAsync_NegativeGrace_ThrowsWithoutSending()
    {
        using var client = CreateClient();

        Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => client.DeletePodAsync("games", "game-1", -1, null, CancellationToken.None));
        Assert.That(_handler.Requests, Is.Empty);
    }

    [Test]
    public async Task CreateEventAsync_NodeEvent_PostsCoreV1EventToTheNamespace()
    {
        _handler.ReplyJson(HttpStatusCode.Created, """{"kind":"Event","apiVersion":"v1","metadata":{"name":"n.1"}}""");
        using var client = CreateClient();
        var kubeEvent = new KubeEvent
        {
            Metadata = new ObjectMeta { GenerateName = NodeName + ".", Namespace = "default" },
            InvolvedObject = new ObjectReference { Kind = "Node", Name = NodeName, Uid = NodeName },
            Reason = "SpotInterruption",
            Message = "terminate at 17:13:44Z",
            Type = "Warning",
            Source = new EventSource { Component = "spot-agent", Host = NodeName },
            Count = 1,
        };

        await FakeClock.RunAsync(client.CreateEventAsync("default", kubeEvent, CancellationToken.None), _time);

        var request = _handler.Requests.Single();
        using var body = JsonDocument.Parse(request.Body);
        var root = body.RootElement;
        Assert.Multiple(() =>
        {
            Assert.That(request.Method, Is.EqualTo(HttpMethod.Post));
            Assert.That(request.PathAndQuery, Is.EqualTo("/api/v1/namespaces/default/events"));
            Assert.That(request.ContentType, Is.EqualTo("application/json"));
            Assert.That(root.GetProperty("kind").GetString(), Is.EqualTo("Event"));
            Assert.That(root.GetProperty("apiVersion").GetString(), Is.EqualTo("v1"));
            Assert.That(root.GetProperty("metadata").GetProperty("generateName").GetString(), Is.EqualTo(NodeName + "."));
            Assert.That(root.GetProperty("involvedObject").GetProperty("kind").GetString(), Is.EqualTo("Node"));
            Assert.That(root.GetProperty("reason").GetString(), Is.EqualTo("SpotInterruption"));
            Assert.That(root.GetProperty("type").GetString(), Is.EqualTo("Warning"));
            Assert.That(root.GetProperty("source").GetProperty("component").GetString(), Is.EqualTo("spot-agent"));
            Assert.That(root.TryGetProperty("firstTimestamp", out _), Is.False, "nulls are not written");
        });
    }

    [Test]
    public async Task GetNodeAsync_ServerWithPathPrefix_KeepsThePrefix()
    {
        _handler.ReplyJson(HttpStatusCode.OK, NodeJson);
        using var client = CreateClient(server: "http://127.0.0.1:6443/k8s/clusters/c-1/");

        await FakeClock.RunAsync(client.GetNodeAsync(NodeName, CancellationToken.None), _time);

        Assert.That(_handler.Requests.Single().PathAndQuery, Is.EqualTo("/k8s/clusters/c-1/api/v1/nodes/ip-10-0-1-23.ec2.internal"));
    }

    [Test]
    public async Task GetNodeAsync_NoTokenProvider_SendsNoAuthorization()
    {
        _handler.ReplyJson(HttpStatusCode.OK, NodeJson);
        using var client = new KubernetesClient(new KubernetesClientConfiguration { Server = new Uri("http://127.0.0.1:6443") }, httpClient: _http, timeProvider: _time);

        await FakeClock.RunAsync(client.GetNodeAsync(NodeName, CancellationToken.None), _time);

        Assert.That(_handler.Requests.Single().Authorization, Is.Null);
    }

    private static IEnumerable<TestCaseData> ClientErrors()
    {
        yield return new TestCaseData(HttpStatusCode.NotFound, "NotFound", typeof(KubernetesNotFoundException)).SetArgDisplayNames("404");
        yield return new TestCaseData(HttpStatusCode.Conflict, "Conflict", typeof(KubernetesConflictException)).SetArgDisplayNames("409");
        yield return new TestCaseData(HttpStatusCode.UnprocessableEntity, "Invalid", typeof(KubernetesInvalidException)).SetArgDisplayNames("422");
        yield return new TestCaseData(HttpStatusCode.Unauthorized, "Unauthorized", typeof(KubernetesUnauthorizedException)).SetArgDisplayNames("401");
        yield return new TestCaseData(HttpStatusCode.Forbidden, "Forbidden", typeof(KubernetesForbiddenException)).SetArgDisplayNames("403");
        yield return new TestCaseData(HttpStatusCode.BadRequest, "BadRequest", typeof(KubernetesApiException)).SetArgDisplayNames("400");
        yield return new TestCaseData(HttpStatusCode.Gone, "Expired", typeof(KubernetesApiException)).SetArgDisplayNames("410");
        yield return new TestCaseData(HttpStatusCode.NotImplemented, "NotImplemented", typeof(KubernetesApiException)).SetArgDisplayNames("501");
    }

    [TestCaseSource(nameof(ClientErrors))]
    public void PatchNodeAsync_NonTransientStatus_ThrowsTypedExceptionAtOnce(HttpStatusCode status, string reason, Type expected)
    {
        _handler.ReplyStatus(status, reason, "canned failure");
        using var client = CreateClient();

        var error = Assert.ThrowsAsync(Is.TypeOf(expected), () => FakeClock.RunAsync(client.PatchNodeAsync(NodeName, "{}", CancellationToken.None), _time)) as KubernetesApiException;

        Assert.Multiple(() =>
        {
            Assert.That(error!.StatusCode, Is.EqualTo((int)status));
            Assert.That(error.Reason, Is.EqualTo(reason));
            Assert.That(error.Status!.Message, Is.EqualTo("canned failure"));
            Assert.That(error.Status.Code, Is.EqualTo((int)status));
            Assert.That(error.Message, Does.Contain("PATCH /api/v1/nodes/ip-10-0-1-23.ec2.internal").And.Contain("canned failure"));
            Assert.That(_handler.Requests, Has.Count.EqualTo(1), "not retried");
        });
    }

    [Test]
    public void CreateEventAsync_AlreadyExists_ThrowsConflictCarryingTheReason()
    {
        _handler.ReplyStatus(HttpStatusCode.Conflict, "AlreadyExists", "events \"n.1\" already exists");
        using var client = CreateClient();

        var error = Assert.ThrowsAsync<KubernetesConflictException>(() => FakeClock.RunAsync(client.CreateEventAsync("default", new KubeEvent(), CancellationToken.None), _time));

        Assert.That(error!.Reason, Is.EqualTo("AlreadyExists"));
    }

    [Test]
    public void GetNodeAsync_ErrorWithoutStatusBody_ThrowsWithReasonFromTheCode()
    {
        _handler.Reply(_ => new HttpResponseMessage(HttpStatusCode.NotFound) { Content = new StringContent("<html>404 page not found</html>") });
        using var client = CreateClient();

        var error = Assert.ThrowsAsync<KubernetesNotFoundException>(() => FakeClock.RunAsync(client.GetNodeAsync(NodeName, CancellationToken.None), _time));

        Assert.Multiple(() =>
        {
            Assert.That(error!.Status, Is.Null);
            Assert.That(error.Reason, Is.EqualTo("NotFound"));
            Assert.That(error.StatusCode, Is.EqualTo(404));
        });
    }

    [Test]
    public void EvictPodAsync_DisruptionBudget429_ThrowsTooManyRequestsWithRetryAfterWithoutRetrying()
    {
        _handler.ReplyStatus((HttpStatusCode)429, "TooManyRequests", "Cannot evict pod as it would violate the pod's disruption budget.", retryAfterSeconds: 10, ("Retry-After", "30"));
        using var client = CreateClient();

        var error = Assert.ThrowsAsync<KubernetesTooManyRequestsException>(() => FakeClock.RunAsync(client.EvictPodAsync("games", "lobby-1", CancellationToken.None), _time));

        Assert.Multiple(() =>
        {
            Assert.That(error!.StatusCode, Is.EqualTo(429));
            Assert.That(error.RetryAfter, Is.EqualTo(TimeSpan.FromSeconds(30)), "the header wins, uncapped");
            Assert.That(error.Status!.Message, Does.Contain("disruption budget"));
            Assert.That(_handler.Requests, Has.Count.EqualTo(1), "a PDB's 429 is the caller's to handle");
        });
    }

    [Test]
    public void EvictPodAsync_429WithOnlyStatusDetails_TakesRetryAfterFromDetails()
    {
        _handler.ReplyStatus((HttpStatusCode)429, "TooManyRequests", "Cannot evict pod", retryAfterSeconds: 10);
        using var client = CreateClient();

        var error = Assert.ThrowsAsync<KubernetesTooManyRequestsException>(() => FakeClock.RunAsync(client.EvictPodAsync("games", "lobby-1", CancellationToken.None), _time));

        Assert.That(error!.RetryAfter, Is.EqualTo(TimeSpan.FromSeconds(10)));
    }

    [Test]
    public void EvictPodAsync_429WithHttpDateRetryAfter_ComputesTheDelayFromTheClock()
    {
        var at = _time.GetUtcNow().AddSeconds(7).ToString("R", System.Globalization.CultureInfo.InvariantCulture);
        _handler.ReplyStatus((HttpStatusCode)429, "TooManyRequests", "slow down", null, ("Retry-After", at));
        using var client = CreateClient();

        var error = Assert.ThrowsAsync<KubernetesTooManyRequestsException>(() => FakeClock.RunAsync(client.EvictPodAsync("games", "lobby-1", CancellationToken.None), _time));

        Assert.That(error!.RetryAfter, Is.EqualTo(TimeSpan.FromSeconds(7)));
    }

    [Test]
    public void EvictPodAsync_ServerError_IsRetried()
    {
        _handler.ReplyStatus(HttpStatusCode.InternalServerError, "InternalError", "etcd leader changed");
        using var client = CreateClient(new KubernetesClientOptions { MaxRetryAttempts = 2 });

        Assert.ThrowsAsync<KubernetesApiException>(() => FakeClock.RunAsync(client.EvictPodAsync("games", "lobby-1", CancellationToken.None), _time));

        Assert.That(_handler.Requests, Has.Count.EqualTo(3), "only an eviction's 429 is exempt from retrying");
    }

    [Test]
    public void GetNodeAsync_ServiceUnavailableEveryTime_RetriesMaxAttemptsThenThrows()
    {
        _handler.ReplyStatus(HttpStatusCode.ServiceUnavailable, "ServiceUnavailable", "apiserver is shutting down");
        var logger = new CapturingLogger<KubernetesClient>();
        using var client = CreateClient(logger: logger);

        var error = Assert.ThrowsAsync<KubernetesApiException>(() => FakeClock.RunAsync(client.GetNodeAsync(NodeName, CancellationToken.None), _time));

        var requests = _handler.Requests;
        Assert.Multiple(() =>
        {
            Assert.That(error!.StatusCode, Is.EqualTo(503));
            Assert.That(error.Reason, Is.EqualTo("ServiceUnavailable"));
            Assert.That(requests, Has.Count.EqualTo(5), "the first attempt and the default 4 retries");
            Assert.That(requests.Zip(requests.Skip(1), (a, b) => b.At - a.At), Has.All.GreaterThan(TimeSpan.Zero), "each retry after a backoff delay");
            Assert.That(logger.Count(1301), Is.EqualTo(4));
            Assert.That(logger.All, Does.Not.Contain("t0k3n"));
        });
    }

    [Test]
    public async Task GetNodeAsync_ServerErrorThenSuccess_ReturnsTheNode()
    {
        _handler.ReplyStatus(HttpStatusCode.GatewayTimeout, "Timeout", "request timed out").ReplyJson(HttpStatusCode.OK, NodeJson);
        using var client = CreateClient();

        var node = await FakeClock.RunAsync(client.GetNodeAsync(NodeName, CancellationToken.None), _time);

        Assert.Multiple(() =>
        {
            Assert.That(node.Metadata.Name, Is.EqualTo(NodeName));
            Assert.That(_handler.Requests, Has.Count.EqualTo(2));
        });
    }

    [Test]
    public async Task GetNodeAsync_429WithRetryAfter_WaitsThatLongThenRetries()
    {
        _handler.ReplyStatus((HttpStatusCode)429, "TooManyRequests", "too many requests, please try again later", null, ("Retry-After", "3"))
            .ReplyJson(HttpStatusCode.OK, NodeJson);
        using var client = CreateClient();

        await FakeClock.RunAsync(client.GetNodeAsync(NodeName, CancellationToken.None), _time);

        var requests = _handler.Requests;
        Assert.Multiple(() =>
        {
            Assert.That(requests, Has.Count.EqualTo(2));
            Assert.That(requests[1].At - requests[0].At, Is.GreaterThanOrEqualTo(TimeSpan.FromSeconds(3)).And.LessThan(TimeSpan.FromSeconds(4)));
        });
    }

    [Test]
    public async Task GetNodeAsync_503WithRetryAfterSeconds_WaitsThatLongThenRetries()
    {
        _handler.ReplyStatus(HttpStatusCode.ServiceUnavailable, "ServiceUnavailable", "the server is currently unable to handle the request", retryAfterSeconds: 2)
            .ReplyJson(HttpStatusCode.OK, NodeJson);
        using var client = CreateClient();

        await FakeClock.RunAsync(client.GetNodeAsync(NodeName, CancellationToken.None), _time);

        var requests = _handler.Requests;
        Assert.Multiple(() =>
        {
            Assert.That(requests, Has.Count.EqualTo(2));
            Assert.That(requests[1].At - requests[0].At, Is.GreaterThanOrEqualTo(TimeSpan.FromSeconds(2)).And.LessThan(TimeSpan.FromSeconds(3)));
        });
    }

    [Test]
    public async Task PatchNodeAsync_429WithLongRetryAfter_WaitsOnlyTheCap()
    {
        _handler.ReplyStatus((HttpStatusCode)429, "TooManyRequests", "too many requests", null, ("Retry-After", "120"))
            .ReplyJson(HttpStatusCode.OK, NodeJson);
        using var client = CreateClient();

        await FakeClock.RunAsync(client.PatchNodeAsync(NodeName, "{}", CancellationToken.None), _time);

        var requests = _handler.Requests;
        Assert.Multiple(() =>
        {
            Assert.That(requests, Has.Count.EqualTo(2), "429 is retried for a patch");
            Assert.That(requests[1].At - requests[0].At, Is.GreaterThanOrEqualTo(TimeSpan.FromSeconds(5)).And.LessThan(TimeSpan.FromSeconds(6)));
        });
    }

    [Test]
    public async Task GetNodeAsync_FirstAttemptHangs_TimesOutAfterRequestTimeoutAndRetries()
    {
        _handler.ReplyNever().ReplyJson(HttpStatusCode.OK, NodeJson);
        using var client = CreateClient();

        var node = await FakeClock.RunAsync(client.GetNodeAsync(NodeName, CancellationToken.None), _time);

        var requests = _handler.Requests;
        Assert.Multiple(() =>
        {
            Assert.That(node.Metadata.Name, Is.EqualTo(NodeName));
            Assert.That(requests, Has.Count.EqualTo(2));
            Assert.That(requests[1].At - requests[0].At, Is.GreaterThanOrEqualTo(TimeSpan.FromSeconds(10)), "the default 10 s request timeout");
        });
    }

    [Test]
    public void GetNodeAsync_EveryAttemptHangs_ThrowsConnectionTimeout()
    {
        _handler.ReplyNever();
        using var client = CreateClient(new KubernetesClientOptions { MaxRetryAttempts = 1, RequestTimeout = TimeSpan.FromSeconds(2) });

        var error = Assert.ThrowsAsync<KubernetesConnectionException>(() => FakeClock.RunAsync(client.GetNodeAsync(NodeName, CancellationToken.None), _time));

        Assert.Multiple(() =>
        {
            Assert.That(error!.IsTimeout, Is.True);
            Assert.That(error.StatusCode, Is.Zero);
            Assert.That(_handler.Requests, Has.Count.EqualTo(2));
        });
    }

    [Test]
    public async Task ListPodsAsync_TransportErrorThenSuccess_Retries()
    {
        _handler.Reply(_ => throw new HttpRequestException("Connection refused (127.0.0.1:6443)", null, HttpStatusCode.ServiceUnavailable))
            .ReplyJson(HttpStatusCode.OK, """{"metadata":{},"items":[]}""");
        using var client = CreateClient();

        var list = await FakeClock.RunAsync(client.ListPodsAsync(null, null, null, null, CancellationToken.None), _time);

        Assert.Multiple(() =>
        {
            Assert.That(list.Items, Is.Empty);
            Assert.That(_handler.Requests, Has.Count.EqualTo(2));
        });
    }

    [Test]
    public void ListPodsAsync_TransportErrorEveryTime_ThrowsConnectionExceptionWithTheCause()
    {
        _handler.Reply(_ => throw new HttpRequestException("Connection refused (127.0.0.1:6443)"));
        using var client = CreateClient(new KubernetesClientOptions { MaxRetryAttempts = 2 });

        var error = Assert.ThrowsAsync<KubernetesConnectionException>(() => FakeClock.RunAsync(client.ListPodsAsync(null, null, null, null, CancellationToken.None), _time));

        Assert.Multiple(() =>
        {
            Assert.That(error!.IsTimeout, Is.False);
            Assert.That(error.InnerException, Is.TypeOf<HttpRequestException>());
            Assert.That(error.Message, Does.Contain("Connection refused"));
            Assert.That(_handler.Requests, Has.Count.EqualTo(3));
        });
    }

    [Test]
    public void GetNodeAsync_CallerCancels_ThrowsOperationCanceledWithoutRetrying()
    {
        _handler.ReplyNever();
        using var client = CreateClient();
        using var cancellation = new CancellationTokenSource();

        var call = client.GetNodeAsync(NodeName, cancellation.Token);
        cancellation.Cancel();

        Assert.That(async () => await call, Throws.InstanceOf<OperationCanceledException>());
        Assert.That(_handler.Requests, Has.Count.EqualTo(1));
    }

    [Test]
    public void GetNodeAsync_MalformedJson_ThrowsWithoutRetrying()
    {
        _handler.ReplyJson(HttpStatusCode.OK, """{"metadata": """);
        using var client = CreateClient();

        var error = Assert.ThrowsAsync<KubernetesApiException>(() => FakeClock.RunAsync(client.GetNodeAsync(NodeName, CancellationToken.None), _time));

        Assert.Multiple(() =>
        {
            Assert.That(error!.Reason, Is.EqualTo("MalformedResponse"));
            Assert.That(_handler.Requests, Has.Count.EqualTo(1));
        });
    }

    [Test]
    public async Task GetNodeAsync_TokenFileRotates_NewTokenSentAfterTheRefreshInterval()
    {
        using var directory = new TempDirectory();
        var tokenPath = directory.Write("token", "token-a\n");
        using var client = CreateClient(tokens: new FileKubernetesTokenProvider(tokenPath, _time));
        _handler.ReplyJson(HttpStatusCode.OK, NodeJson);

        await FakeClock.RunAsync(client.GetNodeAsync(NodeName, CancellationToken.None), _time);
        File.WriteAllText(tokenPath, "token-b\n");
        _time.Advance(TimeSpan.FromSeconds(30));
        await FakeClock.RunAsync(client.GetNodeAsync(NodeName, CancellationToken.None), _time);
        _time.Advance(TimeSpan.FromSeconds(30));
        await FakeClock.RunAsync(client.GetNodeAsync(NodeName, CancellationToken.None), _time);

        Assert.That(_handler.Requests.Select(r => r.Authorization), Is.EqualTo(new[] { "Bearer token-a", "Bearer token-a", "Bearer token-b" }));
    }

    [Test]
    public async Task GetNodeAsync_401AfterRotation_RereadsTokenAtOnceAndRepeats()
    {
        using var directory = new TempDirectory();
        var tokenPath = directory.Write("token", "token-a");
        var logger = new CapturingLogger<KubernetesClient>();
        using var client = CreateClient(tokens: new FileKubernetesTokenProvider(tokenPath, _time), logger: logger);
        _handler.ReplyJson(HttpStatusCode.OK, NodeJson);
        _handler.AcceptedTokens.Add("token-a");
        await FakeClock.RunAsync(client.GetNodeAsync(NodeName, CancellationToken.None), _time);

        // Rotated on disk and at the server, with no time passing: the cached token is now refused.
        File.WriteAllText(tokenPath, "token-b");
        _handler.AcceptedTokens.Clear();
        _handler.AcceptedTokens.Add("token-b");
        var node = await FakeClock.RunAsync(client.GetNodeAsync(NodeName, CancellationToken.None), _time);

        Assert.Multiple(() =>
        {
            Assert.That(node.Metadata.Name, Is.EqualTo(NodeName));
            Assert.That(_handler.Requests.Select(r => r.Authorization), Is.EqualTo(new[] { "Bearer token-a", "Bearer token-a", "Bearer token-b" }));
            Assert.That(logger.Count(1303), Is.EqualTo(1));
            Assert.That(logger.All, Does.Not.Contain("token-a").And.Not.Contain("token-b"));
        });
    }

    [Test]
    public void GetNodeAsync_401WithUnchangedToken_ThrowsUnauthorizedAfterOneRequest()
    {
        using var directory = new TempDirectory();
        var tokenPath = directory.Write("token", "revoked");
        // A day-long request timeout: the fake clock must not time the request out and so cause a retry of its own.
        using var client = CreateClient(new KubernetesClientOptions { RequestTimeout = TimeSpan.FromDays(1) }, tokens: new FileKubernetesTokenProvider(tokenPath, _time));
        _handler.AcceptedTokens.Add("something-else");
        _handler.ReplyJson(HttpStatusCode.OK, NodeJson);

        var error = Assert.ThrowsAsync<KubernetesUnauthorizedException>(() => FakeClock.RunAsync(client.GetNodeAsync(NodeName, CancellationToken.None), _time));

        Assert.Multiple(() =>
        {
            Assert.That(error!.StatusCode, Is.EqualTo(401));
            Assert.That(_handler.Requests, Has.Count.EqualTo(1), "a 401 is not transient; the token did not change, so nothing is repeated");
        });
    }

    [Test]
    public void Constructor_InvalidOptions_ThrowsConfigurationError()
    {
        Assert.Throws<KubernetesConfigurationException>(() => CreateClient(new KubernetesClientOptions { RequestTimeout = TimeSpan.Zero }));
        Assert.Throws<KubernetesConfigurationException>(() => CreateClient(new KubernetesClientOptions { MaxRetryAttempts = -1 }));
    }

    private KubernetesClient CreateClient(
        KubernetesClientOptions? options = null,
        IKubernetesTokenProvider? tokens = null,
        string server = "http://127.0.0.1:6443",
        CapturingLogger<KubernetesClient>? logger = null)
    {
        var configuration = new KubernetesClientConfiguration
        {
            Server = new Uri(server),
            TokenProvider = tokens ?? new StaticKubernetesTokenProvider("t0k3n"),
        };
        return new KubernetesClient(configuration, options, _http, _time, logger);
    }
}
