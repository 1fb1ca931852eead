using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Spotable.Common.Kubernetes;
using Spotable.Testing;
using Spotable.Testing.FakeKube;

namespace Spotable.Common.Tests.FakeKube;

/// <summary>
/// The fake API server must answer like the real one (status codes, Status reasons, messages) or the client and agent
/// tests built on it prove nothing. Plain HttpClient, so these do not depend on the production client.
/// </summary>
public sealed class FakeKubeApiServerTests
{
    private const string MergePatch = "application/merge-patch+json";

    private FakeTimeProvider _clock = null!;
    private FakeKubeApiServer _server = null!;
    private HttpClient _http = null!;

    [SetUp]
    public async Task SetUp()
    {
        _clock = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));
        _server = await FakeKubeApiServer.StartAsync(_clock);
        _http = new HttpClient { BaseAddress = _server.Server };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", _server.Token);
    }

    [TearDown]
    public async Task TearDown()
    {
        _http.Dispose();
        await _server.DisposeAsync();
    }

    // ---- authentication, routing ----

    [Test]
    public void Server_Always_IsLoopbackHttp()
    {
        Assert.That(IPAddress.IsLoopback(IPAddress.Parse(_server.Server.Host)), Is.True);
        Assert.That(_server.Server.Scheme, Is.EqualTo("http"));
    }

    [TestCase(null)]
    [TestCase("Bearer not-the-token")]
    [TestCase("Basic dXNlcjpwYXNz")]
    [TestCase("Bearer")]
    public async Task Request_WithoutValidToken_Returns401StatusAndIsNotRecorded(string? authorization)
    {
        _server.AddNode(NewNode("n1"));
        using var anonymous = new HttpClient { BaseAddress = _server.Server };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/nodes/n1");
        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        using var response = await anonymous.SendAsync(request);
        var status = await ReadJsonAsync(response);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That(Str(status, "kind"), Is.EqualTo("Status"));
        Assert.That(Str(status, "reason"), Is.EqualTo("Unauthorized"));
        Assert.That(status!["code"]!.GetValue<int>(), Is.EqualTo(401));
        Assert.That(_server.Calls, Is.Empty);
    }

    [Test]
    public async Task RotateToken_OldToken_Returns401AndNewTokenWorks()
    {
        _server.AddNode(NewNode("n1"));
        var newToken = _server.RotateToken();

        using var stale = await _http.GetAsync(new Uri("/api/v1/nodes/n1", UriKind.Relative));
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", newToken);
        using var fresh = await _http.GetAsync(new Uri("/api/v1/nodes/n1", UriKind.Relative));

        Assert.That(stale.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That(fresh.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [TestCase("/api/v1/configmaps")]
    [TestCase("/apis/apps/v1/namespaces/default/deployments")]
    [TestCase("/api/v1/pods/orphan")]
    [TestCase("/healthz")]
    public async Task Get_UnknownPath_Returns404Status(string path)
    {
        var (status, body) = await SendAsync(HttpMethod.Get, path);

        Assert.That(status, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(Str(body, "reason"), Is.EqualTo("NotFound"));
    }

    [TestCase("DELETE", "/api/v1/nodes/n1")]
    [TestCase("POST", "/api/v1/pods")]
    [TestCase("GET", "/api/v1/namespaces/default/pods/p1/eviction")]
    [TestCase("PUT", "/api/v1/namespaces/default/pods/p1")]
    public async Task Request_UnsupportedMethod_Returns405Status(string method, string path)
    {
        _server.AddNode(NewNode("n1"));
        _server.AddPod(NewPod("default", "p1", "n1"));

        var (status, body) = await SendAsync(new HttpMethod(method), path, method == "GET" ? null : "{}", "application/json");

        Assert.That(status, Is.EqualTo(HttpStatusCode.MethodNotAllowed));
        Assert.That(Str(body, "reason"), Is.EqualTo("MethodNotAllowed"));
    }

    [Test]
    public async Task ListPods_Watch_Returns400NotImplemented()
    {
        var (status, body) = await SendAsync(HttpMethod.Get, "/api/v1/pods?watch=true");

        Assert.That(status, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(Str(body, "message"), Does.Contain("watch"));
    }

    [Test]
    public async Task WriteKubeconfig_Always_PointsAtServerWithCurrentToken()
    {
        var path = Path.Combine(Path.GetTempPath(), $"fakekube-{Guid.NewGuid():N}.yaml");
        try
        {
            _server.WriteKubeconfig(path);
            var text = await File.ReadAllTextAsync(path);

            Assert.That(text, Does.Contain("apiVersion: v1"));
            Assert.That(text, Does.Contain("kind: Config"));
            Assert.That(text, Does.Contain($"server: {_server.Server.GetLeftPart(UriPartial.Authority)}\n"));
            Assert.That(text, Does.Contain($"token: \"{_server.Token}\""));
            Assert.That(text, Does.Contain("current-context: fake-kube"));
        }
        finally
        {
            File.Delete(path);
        }
    }

    // ---- nodes ----

    [Test]
    public async Task GetNode_Existing_ReturnsStoredNodeWithServerFields()
    {
        _server.AddNode(NewNode("n1"));

        var (status, body) = await SendAsync(HttpMethod.Get, "/api/v1/nodes/n1");

        Assert.That(status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(Str(body, "kind"), Is.EqualTo("Node"));
        Assert.That(Str(body, "metadata", "name"), Is.EqualTo("n1"));
        Assert.That(Str(body, "metadata", "uid"), Is.Not.Empty);
        Assert.That(Str(body, "metadata", "resourceVersion"), Is.EqualTo(_server.ResourceVersion));
        Assert.That(Str(body, "metadata", "creationTimestamp"), Is.EqualTo("2026-03-01T12:00:00Z"));
    }

    [Test]
    public async Task GetNode_Missing_Returns404NotFoundWithDetails()
    {
        var (status, body) = await SendAsync(HttpMethod.Get, "/api/v1/nodes/ghost");

        Assert.That(status, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(Str(body, "status"), Is.EqualTo("Failure"));
        Assert.That(Str(body, "reason"), Is.EqualTo("NotFound"));
        Assert.That(Str(body, "message"), Is.EqualTo("nodes \"ghost\" not found"));
        Assert.That(Str(body, "details", "kind"), Is.EqualTo("nodes"));
        Assert.That(Str(body, "details", "name"), Is.EqualTo("ghost"));
        Assert.That(body!["code"]!.GetValue<int>(), Is.EqualTo(404));
    }

    [Test]
    public async Task PatchNode_MergePatchCordonAndTaint_StoresBothAndBumpsResourceVersion()
    {
        var before = _server.AddNode(NewNode("n1"));
        const string patch = """
            {"spec":{"unschedulable":true,"taints":[{"key":"spotable.io/interruption","value":"terminate","effect":"NoSchedule"}]},
             "metadata":{"annotations":{"spotable.io/interruption":"{\"id\":\"x\"}"}}}
            """;

        var (status, body) = await SendAsync(HttpMethod.Patch, "/api/v1/nodes/n1", patch, MergePatch);
        var stored = _server.GetNode("n1")!;

        Assert.That(status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(stored.Spec!.Unschedulable, Is.True);
        Assert.That(stored.Spec.Taints!.Single().Key, Is.EqualTo("spotable.io/interruption"));
        Assert.That(stored.Spec.Taints!.Single().Effect, Is.EqualTo("NoSchedule"));
        Assert.That(stored.Metadata.Annotations!["spotable.io/interruption"], Is.EqualTo("{\"id\":\"x\"}"));
        Assert.That(long.Parse(stored.Metadata.ResourceVersion!, CultureInfo.InvariantCulture),
            Is.GreaterThan(long.Parse(before.Metadata.ResourceVersion!, CultureInfo.InvariantCulture)));
        Assert.That(Str(body, "metadata", "resourceVersion"), Is.EqualTo(stored.Metadata.ResourceVersion));
        Assert.That(stored.Metadata.Uid, Is.EqualTo(before.Metadata.Uid));
    }

    [Test]
    public async Task PatchNode_NullInMergePatch_RemovesField()
    {
        var node = NewNode("n1");
        node.Metadata.Annotations = new() { ["a"] = "1", ["b"] = "2" };
        _server.AddNode(node);

        var (status, _) = await SendAsync(HttpMethod.Patch, "/api/v1/nodes/n1", """{"metadata":{"annotations":{"a":null}}}""", MergePatch);

        Assert.That(status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(_server.GetNode("n1")!.Metadata.Annotations, Is.EquivalentTo(new Dictionary<string, string> { ["b"] = "2" }));
    }

    [Test]
    public async Task PatchNode_StaleResourceVersion_Returns409ConflictAndChangesNothing()
    {
        var before = _server.AddNode(NewNode("n1"));
        _server.UpdateNode("n1", n => n.Metadata.Labels = new() { ["changed"] = "by-someone-else" });
        var patch = "{\"metadata\":{\"resourceVersion\":\"" + before.Metadata.ResourceVersion + "\"},\"spec\":{\"unschedulable\":true}}";

        var (status, body) = await SendAsync(HttpMethod.Patch, "/api/v1/nodes/n1", patch, MergePatch);

        Assert.That(status, Is.EqualTo(HttpStatusCode.Conflict));
        Assert.That(Str(body, "reason"), Is.EqualTo("Conflict"));
        Assert.That(Str(body, "message"), Is.EqualTo(
            "Operation cannot be fulfilled on nodes \"n1\": the object has been modified; please apply your changes to the latest version and try again"));
        Assert.That(Str(body, "details", "kind"), Is.EqualTo("nodes"));
        Assert.That(_server.GetNode("n1")!.Spec?.Unschedulable, Is.Not.True);
    }

    [Test]
    public async Task PatchNode_CurrentResourceVersion_Succeeds()
    {
        var current = _server.AddNode(NewNode("n1"));
        var patch = "{\"metadata\":{\"resourceVersion\":\"" + current.Metadata.ResourceVersion + "\"},\"spec\":{\"unschedulable\":true}}";

        var (status, _) = await SendAsync(HttpMethod.Patch, "/api/v1/nodes/n1", patch, MergePatch);

        Assert.That(status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(_server.GetNode("n1")!.Spec!.Unschedulable, Is.True);
    }

    [TestCase("application/json")]
    [TestCase("text/plain")]
    [TestCase(null)]
    public async Task PatchNode_UnsupportedContentType_Returns415(string? contentType)
    {
        _server.AddNode(NewNode("n1"));

        var (status, body) = await SendAsync(HttpMethod.Patch, "/api/v1/nodes/n1", """{"spec":{"unschedulable":true}}""", contentType);

        Assert.That(status, Is.EqualTo(HttpStatusCode.UnsupportedMediaType));
        Assert.That(Str(body, "reason"), Is.EqualTo("UnsupportedMediaType"));
        Assert.That(_server.GetNode("n1")!.Spec?.Unschedulable, Is.Not.True);
    }

    [Test]
    public async Task PatchNode_StrategicMergePatch_AppliedAsMergeForTaints()
    {
        var node = NewNode("n1");
        node.Spec = new NodeSpec { Taints = [new Taint { Key = "old", Effect = "NoExecute" }] };
        _server.AddNode(node);

        var (status, _) = await SendAsync(HttpMethod.Patch, "/api/v1/nodes/n1",
            """{"spec":{"taints":[{"key":"new","effect":"NoSchedule"}]}}""", "application/strategic-merge-patch+json; charset=utf-8");

        Assert.That(status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(_server.GetNode("n1")!.Spec!.Taints!.Select(t => t.Key), Is.EqualTo(new[] { "new" }));
    }

    [Test]
    public async Task PatchNode_JsonPatchWithFailingTest_Returns422AndChangesNothing()
    {
        _server.AddNode(NewNode("n1"));
        const string patch = """[{"op":"test","path":"/spec/unschedulable","value":true},{"op":"add","path":"/metadata/labels","value":{"x":"y"}}]""";

        var (status, _) = await SendAsync(HttpMethod.Patch, "/api/v1/nodes/n1", patch, "application/json-patch+json");

        Assert.That(status, Is.EqualTo(HttpStatusCode.UnprocessableEntity));
        Assert.That(_server.GetNode("n1")!.Metadata.Labels, Is.Null);
    }

    [Test]
    public async Task PatchNode_JsonPatchAdd_Applies()
    {
        _server.AddNode(NewNode("n1"));

        var (status, _) = await SendAsync(HttpMethod.Patch, "/api/v1/nodes/n1",
            """[{"op":"add","path":"/metadata/labels","value":{"lifecycle":"spot"}}]""", "application/json-patch+json");

        Assert.That(status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(_server.GetNode("n1")!.Metadata.Labels!["lifecycle"], Is.EqualTo("spot"));
    }

    [TestCase("""{"key":"k","effect":"Sometimes"}""", "spec.taints[0].effect")]
    [TestCase("""{"key":"","effect":"NoSchedule"}""", "spec.taints[0].key")]
    [TestCase("""{"key":"bad key","effect":"NoSchedule"}""", "spec.taints[0].key")]
    public async Task PatchNode_InvalidTaint_Returns422Invalid(string taint, string field)
    {
        _server.AddNode(NewNode("n1"));

        var (status, body) = await SendAsync(HttpMethod.Patch, "/api/v1/nodes/n1", "{\"spec\":{\"taints\":[" + taint + "]}}", MergePatch);

        Assert.That(status, Is.EqualTo(HttpStatusCode.UnprocessableEntity));
        Assert.That(Str(body, "reason"), Is.EqualTo("Invalid"));
        Assert.That(Str(body, "details", "causes", "0", "field"), Is.EqualTo(field));
        Assert.That(_server.GetNode("n1")!.Spec?.Taints, Is.Null);
    }

    [Test]
    public async Task PatchNode_DuplicateTaintKeyAndEffect_Returns422()
    {
        _server.AddNode(NewNode("n1"));

        var (status, body) = await SendAsync(HttpMethod.Patch, "/api/v1/nodes/n1",
            """{"spec":{"taints":[{"key":"k","value":"a","effect":"NoSchedule"},{"key":"k","value":"b","effect":"NoSchedule"}]}}""", MergePatch);

        Assert.That(status, Is.EqualTo(HttpStatusCode.UnprocessableEntity));
        Assert.That(Str(body, "message"), Does.Contain("taints must be unique by key and effect pair"));
    }

    [Test]
    public async Task PatchNode_Status_IsResetLikeTheNodeStrategy()
    {
        var node = NewNode("n1");
        node.Status = new NodeStatus { Capacity = new() { ["cpu"] = "2" } };
        _server.AddNode(node);

        var (status, _) = await SendAsync(HttpMethod.Patch, "/api/v1/nodes/n1", """{"status":{"capacity":{"cpu":"64"}}}""", MergePatch);

        Assert.That(status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(_server.GetNode("n1")!.Status!.Capacity!["cpu"], Is.EqualTo("2"));
    }

    [Test]
    public async Task PatchNode_NoChange_KeepsResourceVersion()
    {
        var before = _server.AddNode(NewNode("n1"));

        var (status, body) = await SendAsync(HttpMethod.Patch, "/api/v1/nodes/n1", """{"metadata":{"name":"n1"}}""", MergePatch);

        Assert.That(status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(Str(body, "metadata", "resourceVersion"), Is.EqualTo(before.Metadata.ResourceVersion));
    }

    [Test]
    public async Task PatchNode_Missing_Returns404()
    {
        var (status, body) = await SendAsync(HttpMethod.Patch, "/api/v1/nodes/ghost", """{"spec":{"unschedulable":true}}""", MergePatch);

        Assert.That(status, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(Str(body, "details", "kind"), Is.EqualTo("nodes"));
    }

    [Test]
    public async Task PutNode_StaleResourceVersion_Returns409()
    {
        var before = _server.AddNode(NewNode("n1"));
        _server.UpdateNode("n1", n => n.Metadata.Labels = new() { ["x"] = "y" });
        before.Spec = new NodeSpec { Unschedulable = true };

        var (status, body) = await SendAsync(HttpMethod.Put, "/api/v1/nodes/n1", Serialize(before), "application/json");

        Assert.That(status, Is.EqualTo(HttpStatusCode.Conflict));
        Assert.That(Str(body, "reason"), Is.EqualTo("Conflict"));
    }

    [Test]
    public async Task PutNode_CurrentResourceVersion_ReplacesAndBumps()
    {
        var current = _server.AddNode(NewNode("n1"));
        current.Spec = new NodeSpec { Unschedulable = true };

        var (status, body) = await SendAsync(HttpMethod.Put, "/api/v1/nodes/n1", Serialize(current), "application/json");

        Assert.That(status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(_server.GetNode("n1")!.Spec!.Unschedulable, Is.True);
        Assert.That(Str(body, "metadata", "resourceVersion"), Is.Not.EqualTo(current.Metadata.ResourceVersion));
    }

    [Test]
    public async Task PutNode_NameMismatch_Returns400()
    {
        var current = _server.AddNode(NewNode("n1"));
        current.Metadata.Name = "n2";

        var (status, _) = await SendAsync(HttpMethod.Put, "/api/v1/nodes/n1", Serialize(current), "application/json");

        Assert.That(status, Is.EqualTo(HttpStatusCode.BadRequest));
    }

    // ---- pod lists ----

    [Test]
    public async Task ListPods_FieldSelectorNodeName_ReturnsOnlyPodsOnThatNode()
    {
        _server.AddPod(NewPod("games", "a", "n1"));
        _server.AddPod(NewPod("games", "b", "n2"));
        _server.AddPod(NewPod("kube-system", "c", "n1"));

        var (status, body) = await SendAsync(HttpMethod.Get, "/api/v1/pods?fieldSelector=spec.nodeName%3Dn1");

        Assert.That(status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(Str(body, "kind"), Is.EqualTo("PodList"));
        Assert.That(Names(body), Is.EqualTo(new[] { "games/a", "kube-system/c" }));
        Assert.That(Str(body, "metadata", "resourceVersion"), Is.EqualTo(_server.ResourceVersion));
        Assert.That(Str(body, "metadata", "continue"), Is.Null);
    }

    [TestCase("spec.nodeName=n1,status.phase!=Succeeded", new[] { "default/run1" })]
    [TestCase("spec.nodeName==n1,status.phase=Succeeded", new[] { "default/done1" })]
    [TestCase("metadata.namespace=default,metadata.name=run2", new[] { "default/run2" })]
    [TestCase("spec.host=n2", new[] { "default/run2" })]
    [TestCase("status.phase!=Running", new[] { "default/done1" })]
    public async Task ListPods_FieldSelectorForms_MatchLikeTheApiServer(string selector, string[] expected)
    {
        _server.AddPod(NewPod("default", "run1", "n1"));
        _server.AddPod(NewPod("default", "run2", "n2"));
        _server.AddPod(NewPod("default", "done1", "n1", phase: "Succeeded"));

        var (status, body) = await SendAsync(HttpMethod.Get, "/api/v1/pods?fieldSelector=" + Uri.EscapeDataString(selector));

        Assert.That(status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(Names(body), Is.EqualTo(expected));
    }

    [TestCase("spotable.io/role=game-server", new[] { "g/game1", "g/game2" })]
    [TestCase("spotable.io/role==game-server,tier=gold", new[] { "g/game2" })]
    [TestCase("spotable.io/role!=game-server", new[] { "g/plain", "g/web" })]
    [TestCase("tier in (gold, silver)", new[] { "g/game1", "g/game2" })]
    [TestCase("tier notin (gold)", new[] { "g/game1", "g/plain", "g/web" })]
    [TestCase("tier", new[] { "g/game1", "g/game2" })]
    [TestCase("!tier", new[] { "g/plain", "g/web" })]
    [TestCase("spotable.io/role=game-server,!tier", new string[0])]
    [TestCase("app=web, tier notin (gold)", new[] { "g/web" })]
    public async Task ListPods_LabelSelectorForms_MatchLikeTheApiServer(string selector, string[] expected)
    {
        _server.AddPod(NewPod("g", "game1", "n1", new() { ["spotable.io/role"] = "game-server", ["tier"] = "silver" }));
        _server.AddPod(NewPod("g", "game2", "n1", new() { ["spotable.io/role"] = "game-server", ["tier"] = "gold" }));
        _server.AddPod(NewPod("g", "web", "n1", new() { ["app"] = "web" }));
        _server.AddPod(NewPod("g", "plain", "n1"));

        var (status, body) = await SendAsync(HttpMethod.Get, "/api/v1/pods?labelSelector=" + Uri.EscapeDataString(selector));

        Assert.That(status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(Names(body), Is.EqualTo(expected));
    }

    [Test]
    public async Task ListPods_UnsupportedFieldLabel_Returns400LikeTheApiServer()
    {
        var (status, body) = await SendAsync(HttpMethod.Get, "/api/v1/pods?fieldSelector=" + Uri.EscapeDataString("spec.priorityClassName=high"));

        Assert.That(status, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(Str(body, "reason"), Is.EqualTo("BadRequest"));
        Assert.That(Str(body, "message"), Is.EqualTo("field label not supported: spec.priorityClassName"));
    }

    [TestCase("spec.nodeName")]
    [TestCase("a=b=c")]
    public async Task ListPods_MalformedFieldSelector_Returns400(string selector)
    {
        var (status, _) = await SendAsync(HttpMethod.Get, "/api/v1/pods?fieldSelector=" + Uri.EscapeDataString(selector));

        Assert.That(status, Is.EqualTo(HttpStatusCode.BadRequest));
    }

    [TestCase("tier in (gold")]
    [TestCase("=gold")]
    [TestCase("tier in gold")]
    [TestCase("bad key=x")]
    [TestCase("tier=a b")]
    [TestCase("a,")]
    [TestCase("version>x")]
    [TestCase("tier=" + "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijklm")]
    public async Task ListPods_MalformedLabelSelector_Returns400(string selector)
    {
        var (status, body) = await SendAsync(HttpMethod.Get, "/api/v1/pods?labelSelector=" + Uri.EscapeDataString(selector));

        Assert.That(status, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(Str(body, "reason"), Is.EqualTo("BadRequest"));
    }

    [Test]
    public async Task ListPods_NamespacedPath_ReturnsOnlyThatNamespace()
    {
        _server.AddPod(NewPod("a", "p1", "n1"));
        _server.AddPod(NewPod("b", "p2", "n1"));

        var (status, body) = await SendAsync(HttpMethod.Get, "/api/v1/namespaces/b/pods");

        Assert.That(status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(Names(body), Is.EqualTo(new[] { "b/p2" }));
    }

    [Test]
    public async Task ListPods_25PodsWithLimit10_ThreePagesEveryPodOnceInKeyOrder()
    {
        for (var i = 0; i < 25; i++)
        {
            // Added out of order, across two namespaces: the server orders by namespace/name.
            var index = (i * 7) % 25;
            _server.AddPod(NewPod(index % 2 == 0 ? "ns-a" : "ns-b", $"pod-{index:D2}", "n1"));
        }

        var pages = new List<string[]>();
        var remaining = new List<long?>();
        string? token = null;
        do
        {
            var path = "/api/v1/pods?limit=10" + (token is null ? string.Empty : "&continue=" + Uri.EscapeDataString(token));
            var (status, body) = await SendAsync(HttpMethod.Get, path);
            Assert.That(status, Is.EqualTo(HttpStatusCode.OK));
            pages.Add(Names(body));
            token = Str(body, "metadata", "continue");
            remaining.Add(body!["metadata"]!["remainingItemCount"]?.GetValue<long>());
        }
        while (token is not null && pages.Count < 10);

        var all = pages.SelectMany(p => p).ToList();
        Assert.That(pages.Select(p => p.Length), Is.EqualTo(new[] { 10, 10, 5 }));
        Assert.That(all, Is.Unique);
        Assert.That(all, Has.Count.EqualTo(25));
        Assert.That(all, Is.Ordered.Using((IComparer<string>)StringComparer.Ordinal));
        Assert.That(remaining, Is.EqualTo(new long?[] { 15, 5, null }));
    }

    [Test]
    public async Task ListPods_ContinueAfterDeletion_ServesTheFirstPagesSnapshot()
    {
        for (var i = 0; i < 4; i++)
        {
            _server.AddPod(NewPod("default", $"p{i}", "n1"));
        }

        var (_, first) = await SendAsync(HttpMethod.Get, "/api/v1/pods?limit=2");
        _server.RemovePod("default", "p3");
        var (status, second) = await SendAsync(HttpMethod.Get, "/api/v1/pods?limit=2&continue=" + Uri.EscapeDataString(Str(first, "metadata", "continue")!));

        Assert.That(status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(Names(second), Is.EqualTo(new[] { "default/p2", "default/p3" }));
        Assert.That(Str(second, "metadata", "resourceVersion"), Is.EqualTo(Str(first, "metadata", "resourceVersion")));
    }

    [TestCase("not-base64!!")]
    [TestCase("eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6MCwic3RhcnQiOiJ4In0")]
    [TestCase("e30")]
    public async Task ListPods_MalformedContinueToken_Returns400ContinueKeyNotValid(string token)
    {
        var (status, body) = await SendAsync(HttpMethod.Get, "/api/v1/pods?limit=1&continue=" + Uri.EscapeDataString(token));

        Assert.That(status, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(Str(body, "message"), Does.StartWith("continue key is not valid"));
    }

    [Test]
    public async Task ListPods_ContinueAfterCompaction_Returns410Expired()
    {
        _server.AddPod(NewPod("default", "p1", "n1"));
        _server.AddPod(NewPod("default", "p2", "n1"));
        var (_, first) = await SendAsync(HttpMethod.Get, "/api/v1/pods?limit=1");
        _server.ExpireContinueTokens();

        var (status, body) = await SendAsync(HttpMethod.Get, "/api/v1/pods?limit=1&continue=" + Uri.EscapeDataString(Str(first, "metadata", "continue")!));

        Assert.That(status, Is.EqualTo(HttpStatusCode.Gone));
        Assert.That(Str(body, "reason"), Is.EqualTo("Expired"));
    }

    [Test]
    public async Task ListPods_ItemsOnTheWire_CarryNoKindButParseAsPods()
    {
        _server.AddPod(NewPod("default", "p1", "n1"));

        var (_, body) = await SendAsync(HttpMethod.Get, "/api/v1/pods");
        var list = body.Deserialize(KubernetesJsonContext.Default.PodList)!;

        Assert.That(body!["items"]![0]!["kind"], Is.Null);
        Assert.That(list.Items.Single().Metadata.Name, Is.EqualTo("p1"));
        Assert.That(list.Items.Single().Spec!.TerminationGracePeriodSeconds, Is.EqualTo(30), "defaulted like the API server");
    }

    // ---- evictions ----

    [Test]
    public async Task Evict_PdbAllowsNoDisruption_Returns429WithDisruptionBudgetCauseAndKeepsPod()
    {
        _server.AddPod(NewPod("web", "api-1", "n1", new() { ["app"] = "api" }));
        _server.AddPodDisruptionBudget("api-pdb", "web", new Dictionary<string, string> { ["app"] = "api" }, 0);

        var (status, body) = await SendAsync(HttpMethod.Post, "/api/v1/namespaces/web/pods/api-1/eviction", EvictionJson("web", "api-1"), "application/json");

        Assert.That(status, Is.EqualTo(HttpStatusCode.TooManyRequests));
        Assert.That(Str(body, "reason"), Is.EqualTo("TooManyRequests"));
        Assert.That(Str(body, "message"), Is.EqualTo("Cannot evict pod as it would violate the pod's disruption budget."));
        Assert.That(Str(body, "details", "causes", "0", "reason"), Is.EqualTo("DisruptionBudget"));
        Assert.That(Str(body, "details", "causes", "0", "message"), Does.Contain("api-pdb"));
        Assert.That(_server.GetPod("web", "api-1")!.Metadata.DeletionTimestamp, Is.Null);
        Assert.That(_server.Evictions.Single().StatusCode, Is.EqualTo(429));
        Assert.That(_server.Deletions, Is.Empty);
    }

    [Test]
    public async Task Evict_PdbAllowsOne_Returns201SuccessSpendsTheDisruptionAndDeletesWithPodsGrace()
    {
        _server.AddPod(NewPod("web", "api-1", "n1", new() { ["app"] = "api" }, grace: 45));
        _server.AddPod(NewPod("web", "api-2", "n1", new() { ["app"] = "api" }, grace: 45));
        _server.AddPodDisruptionBudget("api-pdb", "web", new Dictionary<string, string> { ["app"] = "api" }, 1);

        var (status, body) = await SendAsync(HttpMethod.Post, "/api/v1/namespaces/web/pods/api-1/eviction", EvictionJson("web", "api-1"), "application/json");
        var (secondStatus, _) = await SendAsync(HttpMethod.Post, "/api/v1/namespaces/web/pods/api-2/eviction", EvictionJson("web", "api-2"), "application/json");

        Assert.That(status, Is.EqualTo(HttpStatusCode.Created));
        Assert.That(Str(body, "kind"), Is.EqualTo("Status"));
        Assert.That(Str(body, "status"), Is.EqualTo("Success"));
        Assert.That(_server.GetDisruptionsAllowed("api-pdb", "web"), Is.Zero);
        Assert.That(_server.GetPod("web", "api-1")!.Metadata.DeletionTimestamp, Is.EqualTo(_clock.GetUtcNow().AddSeconds(45)));
        Assert.That(_server.Deletions.Single(), Is.EqualTo(new PodDeletion("web", "api-1", _server.GetPod("web", "api-1")!.Metadata.Uid!, 45, null, _clock.GetUtcNow(), true)));
        Assert.That(secondStatus, Is.EqualTo(HttpStatusCode.TooManyRequests), "the budget was spent by the first eviction");
    }

    [Test]
    public async Task Evict_AfterSetDisruptionsAllowed_IsUnblocked()
    {
        _server.AddPod(NewPod("web", "api-1", "n1", new() { ["app"] = "api" }));
        _server.AddPodDisruptionBudget("api-pdb", "web", new Dictionary<string, string> { ["app"] = "api" }, 0);
        var (blocked, _) = await SendAsync(HttpMethod.Post, "/api/v1/namespaces/web/pods/api-1/eviction", EvictionJson("web", "api-1"), "application/json");

        _server.SetDisruptionsAllowed("api-pdb", "web", 1);
        var (allowed, _) = await SendAsync(HttpMethod.Post, "/api/v1/namespaces/web/pods/api-1/eviction", EvictionJson("web", "api-1"), "application/json");

        Assert.That(blocked, Is.EqualTo(HttpStatusCode.TooManyRequests));
        Assert.That(allowed, Is.EqualTo(HttpStatusCode.Created));
        Assert.That(_server.Evictions.Select(e => e.StatusCode), Is.EqualTo(new[] { 429, 201 }));
    }

    [Test]
    public async Task Evict_PdbInOtherNamespaceOrNotSelecting_DoesNotBlock()
    {
        _server.AddPod(NewPod("web", "api-1", "n1", new() { ["app"] = "api" }));
        _server.AddPodDisruptionBudget("elsewhere", "other", new Dictionary<string, string> { ["app"] = "api" }, 0);
        _server.AddPodDisruptionBudget("db-pdb", "web", new Dictionary<string, string> { ["app"] = "db" }, 0);

        var (status, _) = await SendAsync(HttpMethod.Post, "/api/v1/namespaces/web/pods/api-1/eviction", EvictionJson("web", "api-1"), "application/json");

        Assert.That(status, Is.EqualTo(HttpStatusCode.Created));
    }

    [Test]
    public async Task Evict_PendingPod_IgnoresPdb()
    {
        _server.AddPod(NewPod("web", "api-1", "n1", new() { ["app"] = "api" }, phase: "Pending"));
        _server.AddPodDisruptionBudget("api-pdb", "web", new Dictionary<string, string> { ["app"] = "api" }, 0);

        var (status, _) = await SendAsync(HttpMethod.Post, "/api/v1/namespaces/web/pods/api-1/eviction", EvictionJson("web", "api-1"), "application/json");

        Assert.That(status, Is.EqualTo(HttpStatusCode.Created));
        Assert.That(_server.GetDisruptionsAllowed("api-pdb", "web"), Is.Zero);
    }

    [TestCase("""{"apiVersion":"policy/v1","kind":"Pod","metadata":{"name":"api-1","namespace":"web"}}""")]
    [TestCase("""{"apiVersion":"v1","kind":"Eviction","metadata":{"name":"api-1","namespace":"web"}}""")]
    [TestCase("""{"apiVersion":"policy/v1","kind":"Eviction","metadata":{"name":"other","namespace":"web"}}""")]
    [TestCase("""{"apiVersion":"policy/v1","kind":"Eviction","metadata":{"name":"api-1","namespace":"not-web"}}""")]
    [TestCase("""not json""")]
    public async Task Evict_BodyNotAMatchingPolicyV1Eviction_Returns400(string body)
    {
        _server.AddPod(NewPod("web", "api-1", "n1"));

        var (status, answer) = await SendAsync(HttpMethod.Post, "/api/v1/namespaces/web/pods/api-1/eviction", body, "application/json");

        Assert.That(status, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(Str(answer, "reason"), Is.EqualTo("BadRequest"));
        Assert.That(_server.GetPod("web", "api-1")!.Metadata.DeletionTimestamp, Is.Null);
    }

    [Test]
    public async Task Evict_MissingPod_Returns404()
    {
        var (status, body) = await SendAsync(HttpMethod.Post, "/api/v1/namespaces/web/pods/ghost/eviction", EvictionJson("web", "ghost"), "application/json");

        Assert.That(status, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(Str(body, "details", "kind"), Is.EqualTo("pods"));
    }

    [Test]
    public async Task Evict_TwoPdbsSelectPod_Returns500()
    {
        _server.AddPod(NewPod("web", "api-1", "n1", new() { ["app"] = "api", ["tier"] = "x" }));
        _server.AddPodDisruptionBudget("one", "web", new Dictionary<string, string> { ["app"] = "api" }, 1);
        _server.AddPodDisruptionBudget("two", "web", new Dictionary<string, string> { ["tier"] = "x" }, 1);

        var (status, body) = await SendAsync(HttpMethod.Post, "/api/v1/namespaces/web/pods/api-1/eviction", EvictionJson("web", "api-1"), "application/json");

        Assert.That(status, Is.EqualTo(HttpStatusCode.InternalServerError));
        Assert.That(Str(body, "message"), Does.Contain("more than one PodDisruptionBudget"));
    }

    // ---- deletes ----

    [Test]
    public async Task DeletePod_WithGrace_SetsDeletionTimestampAndKeepsPodUntilKubeletConfirms()
    {
        var pod = _server.AddPod(NewPod("games", "g1", "n1", grace: 120));

        var (status, body) = await SendAsync(HttpMethod.Delete, "/api/v1/namespaces/games/pods/g1", DeleteOptionsJson(grace: 90, uid: pod.Metadata.Uid), "application/json");
        var stored = _server.GetPod("games", "g1");

        Assert.That(status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(Str(body, "metadata", "deletionTimestamp"), Is.EqualTo("2026-03-01T12:01:30Z"));
        Assert.That(stored, Is.Not.Null);
        Assert.That(stored!.Metadata.DeletionTimestamp, Is.EqualTo(_clock.GetUtcNow().AddSeconds(90)));
        Assert.That(stored.Metadata.DeletionGracePeriodSeconds, Is.EqualTo(90));
        Assert.That(_server.Deletions.Single(), Is.EqualTo(new PodDeletion("games", "g1", pod.Metadata.Uid!, 90, 90, _clock.GetUtcNow(), false)));
    }

    [Test]
    public async Task DeletePod_SecondDeleteShorter_ShortensButLongerNeverLengthens()
    {
        _server.AddPod(NewPod("games", "g1", "n1", grace: 120));
        await SendAsync(HttpMethod.Delete, "/api/v1/namespaces/games/pods/g1", DeleteOptionsJson(grace: 60), "application/json");
        _clock.Advance(TimeSpan.FromSeconds(10));

        await SendAsync(HttpMethod.Delete, "/api/v1/namespaces/games/pods/g1", DeleteOptionsJson(grace: 20), "application/json");
        var shortened = _server.GetPod("games", "g1")!.Metadata;
        await SendAsync(HttpMethod.Delete, "/api/v1/namespaces/games/pods/g1", DeleteOptionsJson(grace: 300), "application/json");
        var afterLonger = _server.GetPod("games", "g1")!.Metadata;

        var firstDelete = new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

        // The API server moves the timestamp back by the difference, from the first request's deadline.
        Assert.That(shortened.DeletionTimestamp, Is.EqualTo(firstDelete.AddSeconds(20)));
        Assert.That(shortened.DeletionGracePeriodSeconds, Is.EqualTo(20));
        Assert.That(afterLonger.DeletionTimestamp, Is.EqualTo(shortened.DeletionTimestamp));
        Assert.That(afterLonger.DeletionGracePeriodSeconds, Is.EqualTo(20));
        Assert.That(_server.Deletions.Select(d => d.GracePeriodSeconds), Is.EqualTo(new long[] { 60, 20, 20 }));
    }

    [Test]
    public async Task DeletePod_GraceZero_RemovesAtOnce()
    {
        _server.AddPod(NewPod("games", "g1", "n1", grace: 120));

        var (status, _) = await SendAsync(HttpMethod.Delete, "/api/v1/namespaces/games/pods/g1?gracePeriodSeconds=0");

        Assert.That(status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(_server.GetPod("games", "g1"), Is.Null);
        Assert.That(_server.Deletions.Single().GracePeriodSeconds, Is.Zero);
    }

    [Test]
    public async Task DeletePod_NoGraceGiven_UsesThePodsTerminationGrace()
    {
        _server.AddPod(NewPod("games", "g1", "n1", grace: 75));

        var (status, _) = await SendAsync(HttpMethod.Delete, "/api/v1/namespaces/games/pods/g1");

        Assert.That(status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(_server.GetPod("games", "g1")!.Metadata.DeletionGracePeriodSeconds, Is.EqualTo(75));
        Assert.That(_server.Deletions.Single().RequestedGracePeriodSeconds, Is.Null);
    }

    [Test]
    public async Task DeletePod_QueryGracePeriod_IsUsedWhenThereIsNoBody()
    {
        _server.AddPod(NewPod("games", "g1", "n1", grace: 120));

        var (status, _) = await SendAsync(HttpMethod.Delete, "/api/v1/namespaces/games/pods/g1?gracePeriodSeconds=15");

        Assert.That(status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(_server.GetPod("games", "g1")!.Metadata.DeletionGracePeriodSeconds, Is.EqualTo(15));
    }

    [Test]
    public async Task DeletePod_UnscheduledPod_RemovedAtOnceWhateverTheGrace()
    {
        _server.AddPod(NewPod("games", "g1", node: null, grace: 120));

        await SendAsync(HttpMethod.Delete, "/api/v1/namespaces/games/pods/g1", DeleteOptionsJson(grace: 60), "application/json");

        Assert.That(_server.GetPod("games", "g1"), Is.Null);
    }

    [Test]
    public async Task DeletePod_UidPreconditionMismatch_Returns409AndLeavesPodAlone()
    {
        var pod = _server.AddPod(NewPod("games", "g1", "n1"));

        var (status, body) = await SendAsync(HttpMethod.Delete, "/api/v1/namespaces/games/pods/g1", DeleteOptionsJson(grace: 5, uid: "some-older-pod"), "application/json");

        Assert.That(status, Is.EqualTo(HttpStatusCode.Conflict));
        Assert.That(Str(body, "reason"), Is.EqualTo("Conflict"));
        Assert.That(Str(body, "message"), Does.Contain($"the UID in the precondition (some-older-pod) does not match the UID in record ({pod.Metadata.Uid})"));
        Assert.That(_server.GetPod("games", "g1")!.Metadata.DeletionTimestamp, Is.Null);
        Assert.That(_server.Deletions, Is.Empty);
    }

    [Test]
    public async Task DeletePod_Missing_Returns404()
    {
        var (status, body) = await SendAsync(HttpMethod.Delete, "/api/v1/namespaces/games/pods/ghost", DeleteOptionsJson(grace: 5), "application/json");

        Assert.That(status, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(Str(body, "message"), Is.EqualTo("pods \"ghost\" not found"));
    }

    [Test]
    public async Task DeletePod_BodyOfAnotherKind_Returns400()
    {
        _server.AddPod(NewPod("games", "g1", "n1"));

        var (status, _) = await SendAsync(HttpMethod.Delete, "/api/v1/namespaces/games/pods/g1", """{"kind":"Pod","apiVersion":"v1"}""", "application/json");

        Assert.That(status, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(_server.GetPod("games", "g1")!.Metadata.DeletionTimestamp, Is.Null);
    }

    [Test]
    public async Task RemoveExpiredPods_ClockPastDeadline_RemovesOnlyExpired()
    {
        _server.AddPod(NewPod("games", "short", "n1"));
        _server.AddPod(NewPod("games", "long", "n1"));
        await SendAsync(HttpMethod.Delete, "/api/v1/namespaces/games/pods/short", DeleteOptionsJson(grace: 10), "application/json");
        await SendAsync(HttpMethod.Delete, "/api/v1/namespaces/games/pods/long", DeleteOptionsJson(grace: 100), "application/json");

        _clock.Advance(TimeSpan.FromSeconds(10));
        var removed = _server.RemoveExpiredPods();

        Assert.That(removed, Is.EqualTo(1));
        Assert.That(_server.Pods.Select(p => p.Metadata.Name), Is.EqualTo(new[] { "long" }));
        Assert.That(_server.CompleteTerminations(), Is.EqualTo(1));
        Assert.That(_server.Pods, Is.Empty);
    }

    // ---- events ----

    [Test]
    public async Task CreateEvent_NodeEventInDefault_Returns201AndIsStored()
    {
        var (status, body) = await SendAsync(HttpMethod.Post, "/api/v1/namespaces/default/events", EventJson("default", "n1.interruption"), "application/json");

        Assert.That(status, Is.EqualTo(HttpStatusCode.Created));
        Assert.That(Str(body, "metadata", "uid"), Is.Not.Empty);
        var stored = _server.Events.Single();
        Assert.That(stored.Metadata.Name, Is.EqualTo("n1.interruption"));
        Assert.That(stored.Reason, Is.EqualTo("SpotInterruption"));
        Assert.That(stored.InvolvedObject.Kind, Is.EqualTo("Node"));
    }

    [Test]
    public async Task CreateEvent_GenerateName_AssignsAName()
    {
        var body = EventJson("default", null).Replace("\"metadata\":{", "\"metadata\":{\"generateName\":\"n1.\",", StringComparison.Ordinal);

        var (status, answer) = await SendAsync(HttpMethod.Post, "/api/v1/namespaces/default/events", body, "application/json");

        Assert.That(status, Is.EqualTo(HttpStatusCode.Created));
        Assert.That(Str(answer, "metadata", "name"), Does.Match("^n1\\.[a-z0-9]{5}$"));
    }

    [Test]
    public async Task CreateEvent_BodyNamespaceDiffersFromPath_Returns400()
    {
        var (status, _) = await SendAsync(HttpMethod.Post, "/api/v1/namespaces/default/events", EventJson("kube-system", "e1"), "application/json");

        Assert.That(status, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(_server.Events, Is.Empty);
    }

    [Test]
    public async Task CreateEvent_ClusterScopedObjectOutsideDefault_Returns422LikeTheApiServer()
    {
        var (status, body) = await SendAsync(HttpMethod.Post, "/api/v1/namespaces/kube-system/events", EventJson("kube-system", "e1"), "application/json");

        Assert.That(status, Is.EqualTo(HttpStatusCode.UnprocessableEntity));
        Assert.That(Str(body, "details", "causes", "0", "field"), Is.EqualTo("involvedObject.namespace"));
    }

    [TestCase("\"reason\":\"SpotInterruption\",", "reason")]
    [TestCase("\"involvedObject\":{\"kind\":\"Node\",\"name\":\"n1\"},", "involvedObject")]
    public async Task CreateEvent_MissingRequiredField_Returns422(string removed, string field)
    {
        var body = EventJson("default", "e1").Replace(removed, string.Empty, StringComparison.Ordinal);

        var (status, answer) = await SendAsync(HttpMethod.Post, "/api/v1/namespaces/default/events", body, "application/json");

        Assert.That(status, Is.EqualTo(HttpStatusCode.UnprocessableEntity));
        Assert.That(Str(answer, "reason"), Is.EqualTo("Invalid"));
        Assert.That(Str(answer, "details", "causes", "0", "field"), Is.EqualTo(field));
    }

    [Test]
    public async Task CreateEvent_MissingName_Returns422()
    {
        var (status, _) = await SendAsync(HttpMethod.Post, "/api/v1/namespaces/default/events", EventJson("default", null), "application/json");

        Assert.That(status, Is.EqualTo(HttpStatusCode.UnprocessableEntity));
    }

    [Test]
    public async Task CreateEvent_SameNameTwice_Returns409AlreadyExists()
    {
        await SendAsync(HttpMethod.Post, "/api/v1/namespaces/default/events", EventJson("default", "e1"), "application/json");

        var (status, body) = await SendAsync(HttpMethod.Post, "/api/v1/namespaces/default/events", EventJson("default", "e1"), "application/json");

        Assert.That(status, Is.EqualTo(HttpStatusCode.Conflict));
        Assert.That(Str(body, "reason"), Is.EqualTo("AlreadyExists"));
    }

    [Test]
    public async Task CreateEvent_UnknownNamespace_Returns404()
    {
        var (status, body) = await SendAsync(HttpMethod.Post, "/api/v1/namespaces/nowhere/events", EventJson("nowhere", "e1"), "application/json");

        Assert.That(status, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(Str(body, "details", "kind"), Is.EqualTo("namespaces"));
    }

    // ---- failure injection ----

    [Test]
    public async Task FailNext_503Once_FailsThenSucceedsWithoutSideEffects()
    {
        _server.AddNode(NewNode("n1"));
        _server.FailNext(1, 503);

        var (first, firstBody) = await SendAsync(HttpMethod.Patch, "/api/v1/nodes/n1", """{"spec":{"unschedulable":true}}""", MergePatch);
        var cordonedAfterFailure = _server.GetNode("n1")!.Spec?.Unschedulable;
        var (second, _) = await SendAsync(HttpMethod.Patch, "/api/v1/nodes/n1", """{"spec":{"unschedulable":true}}""", MergePatch);

        Assert.That(first, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
        Assert.That(Str(firstBody, "reason"), Is.EqualTo("ServiceUnavailable"));
        Assert.That(cordonedAfterFailure, Is.Not.True);
        Assert.That(second, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(_server.GetNode("n1")!.Spec!.Unschedulable, Is.True);
    }

    [Test]
    public async Task FailNext_429WithRetryAfter_SendsHeaderAndDetails()
    {
        _server.FailNext(2, 429, TimeSpan.FromMilliseconds(1500));

        using var first = await _http.GetAsync(new Uri("/api/v1/pods", UriKind.Relative));
        var body = await ReadJsonAsync(first);
        using var second = await _http.GetAsync(new Uri("/api/v1/pods", UriKind.Relative));
        using var third = await _http.GetAsync(new Uri("/api/v1/pods", UriKind.Relative));

        Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.TooManyRequests));
        Assert.That(first.Headers.RetryAfter!.Delta, Is.EqualTo(TimeSpan.FromSeconds(2)));
        Assert.That(body!["details"]!["retryAfterSeconds"]!.GetValue<int>(), Is.EqualTo(2));
        Assert.That(second.StatusCode, Is.EqualTo(HttpStatusCode.TooManyRequests));
        Assert.That(third.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task FailNext_WithPredicate_OnlyMatchingRequestsFail()
    {
        _server.AddNode(NewNode("n1"));
        _server.FailNext(1, 500, when: (method, path) => method == "GET" && path.EndsWith("/pods", StringComparison.Ordinal));

        var (node, _) = await SendAsync(HttpMethod.Get, "/api/v1/nodes/n1");
        var (pods, _) = await SendAsync(HttpMethod.Get, "/api/v1/pods");
        var (podsAgain, _) = await SendAsync(HttpMethod.Get, "/api/v1/pods");

        Assert.That(node, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(pods, Is.EqualTo(HttpStatusCode.InternalServerError));
        Assert.That(podsAgain, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public void AbortNext_Once_DropsTheConnection()
    {
        _server.AbortNext(1);

        Assert.ThrowsAsync<HttpRequestException>(() => _http.GetAsync(new Uri("/api/v1/pods", UriKind.Relative)));
    }

    [Test]
    public async Task Delay_OnFakeClock_HoldsTheAnswerUntilAdvanced()
    {
        _server.Delay = TimeSpan.FromSeconds(5);

        var pending = _http.GetAsync(new Uri("/api/v1/pods", UriKind.Relative));
        for (var i = 0; i < 500 && _clock.ActiveTimerCount == 0; i++)
        {
            await Task.Delay(10);
        }

        var heldBeforeAdvance = !pending.IsCompleted;
        _clock.Advance(TimeSpan.FromSeconds(5));
        using var response = await pending;

        Assert.That(heldBeforeAdvance, Is.True);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    // ---- call recording (RBAC attributes) ----

    [Test]
    public async Task Calls_EachOperation_RecordedAsRbacWouldAuthorizeIt()
    {
        _server.AddNode(NewNode("n1"));
        var current = _server.AddNode(NewNode("n2"));
        _server.AddPod(NewPod("games", "g1", "n1"));
        _server.AddPod(NewPod("web", "w1", "n1"));
        _server.FailNext(1, 503, when: (method, _) => method == "DELETE");

        await SendAsync(HttpMethod.Get, "/api/v1/nodes/n1");
        await SendAsync(HttpMethod.Patch, "/api/v1/nodes/n1", """{"spec":{"unschedulable":true}}""", MergePatch);
        await SendAsync(HttpMethod.Put, "/api/v1/nodes/n2", Serialize(current), "application/json");
        await SendAsync(HttpMethod.Get, "/api/v1/pods?fieldSelector=spec.nodeName%3Dn1");
        await SendAsync(HttpMethod.Get, "/api/v1/namespaces/games/pods");
        await SendAsync(HttpMethod.Post, "/api/v1/namespaces/web/pods/w1/eviction", EvictionJson("web", "w1"), "application/json");
        await SendAsync(HttpMethod.Delete, "/api/v1/namespaces/games/pods/g1", DeleteOptionsJson(grace: 5), "application/json");
        await SendAsync(HttpMethod.Delete, "/api/v1/namespaces/games/pods/g1", DeleteOptionsJson(grace: 5), "application/json");
        await SendAsync(HttpMethod.Post, "/api/v1/namespaces/default/events", EventJson("default", "e1"), "application/json");
        await SendAsync(HttpMethod.Get, "/api/v1/nodes?fieldSelector=metadata.name%3Dn1");
        await SendAsync(HttpMethod.Get, "/version");

        Assert.That(_server.Calls, Is.EqualTo(new[]
        {
            new ApiCall("get", "", "nodes", null, null, "n1"),
            new ApiCall("patch", "", "nodes", null, null, "n1"),
            new ApiCall("update", "", "nodes", null, null, "n2"),
            new ApiCall("list", "", "pods", null, null, null),
            new ApiCall("list", "", "pods", null, "games", null),
            new ApiCall("create", "", "pods", "eviction", "web", "w1"),
            new ApiCall("delete", "", "pods", null, "games", "g1"),
            new ApiCall("delete", "", "pods", null, "games", "g1"),
            new ApiCall("create", "", "events", null, "default", null),
            new ApiCall("list", "", "nodes", null, null, "n1"),
            new ApiCall("get", "", "/version", null, null, null),
        }));
        Assert.That(_server.Calls[5].RbacResource, Is.EqualTo("pods/eviction"));
        Assert.That(_server.Calls[^1].IsNonResourceUrl, Is.True);
    }

    [Test]
    public async Task Authorizer_DeniesCall_Returns403ForbiddenLikeRbacAndChangesNothing()
    {
        _server.AddNode(NewNode("n1"));
        _server.Authorizer = call => !(call.Verb == "patch" && call.Resource == "nodes");

        var (status, body) = await SendAsync(HttpMethod.Patch, "/api/v1/nodes/n1", """{"spec":{"unschedulable":true}}""", MergePatch);

        Assert.That(status, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That(Str(body, "reason"), Is.EqualTo("Forbidden"));
        Assert.That(Str(body, "message"), Does.Contain("cannot patch resource \"nodes\" in API group \"\" at the cluster scope"));
        Assert.That(_server.GetNode("n1")!.Spec?.Unschedulable, Is.Not.True);
        Assert.That(_server.Calls.Single().Verb, Is.EqualTo("patch"));
    }

    [Test]
    public async Task Authorizer_DeniesEviction_NamesSubresourceLikeRbac()
    {
        _server.AddPod(NewPod("web", "w1", "n1"));
        _server.Authorizer = call => call.Subresource != "eviction";

        var (status, body) = await SendAsync(HttpMethod.Post, "/api/v1/namespaces/web/pods/w1/eviction", EvictionJson("web", "w1"), "application/json");

        Assert.That(status, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That(Str(body, "message"), Is.EqualTo(
            $"pods \"w1\" is forbidden: User \"{_server.UserName}\" cannot create resource \"pods/eviction\" in API group \"\" in the namespace \"web\""));
        Assert.That(_server.GetPod("web", "w1")!.Metadata.DeletionTimestamp, Is.Null);
    }

    // ---- concurrency, paging with selectors, lazy kubelet ----

    [Test]
    public async Task Evict_ManyInParallelAgainstBudgetOfFive_ExactlyFiveAccepted()
    {
        for (var i = 0; i < 20; i++)
        {
            _server.AddPod(NewPod("web", $"api-{i:D2}", "n1", new() { ["app"] = "api" }));
        }

        _server.AddPodDisruptionBudget("api-pdb", "web", new Dictionary<string, string> { ["app"] = "api" }, 5);

        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(i =>
            SendAsync(HttpMethod.Post, $"/api/v1/namespaces/web/pods/api-{i:D2}/eviction", EvictionJson("web", $"api-{i:D2}"), "application/json")));

        Assert.That(results.Count(r => r.Status == HttpStatusCode.Created), Is.EqualTo(5));
        Assert.That(results.Count(r => r.Status == HttpStatusCode.TooManyRequests), Is.EqualTo(15));
        Assert.That(_server.GetDisruptionsAllowed("api-pdb", "web"), Is.Zero);
        Assert.That(_server.Pods.Count(p => p.Metadata.DeletionTimestamp is not null), Is.EqualTo(5));
    }

    [Test]
    public async Task ListPods_LimitWithLabelSelector_PagesCollectEveryMatchOnceWithoutRemainingCount()
    {
        for (var i = 0; i < 12; i++)
        {
            _server.AddPod(NewPod("g", $"p{i:D2}", "n1", i % 3 == 0 ? new() { ["spotable.io/role"] = "game-server" } : null));
        }

        var names = new List<string>();
        string? token = null;
        var pages = 0;
        do
        {
            var path = "/api/v1/pods?limit=2&labelSelector=" + Uri.EscapeDataString("spotable.io/role=game-server")
                + (token is null ? string.Empty : "&continue=" + Uri.EscapeDataString(token));
            var (status, body) = await SendAsync(HttpMethod.Get, path);
            Assert.That(status, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(body!["metadata"]!["remainingItemCount"], Is.Null, "the storage cannot count matches it has not read");
            names.AddRange(Names(body));
            token = Str(body, "metadata", "continue");
            pages++;
        }
        while (token is not null && pages < 20);

        Assert.That(names, Is.EqualTo(new[] { "g/p00", "g/p03", "g/p06", "g/p09" }));
    }

    [Test]
    public async Task RemoveExpiredPodsOnRequest_ClockPastDeadline_PodGoneAtNextRequest()
    {
        _server.RemoveExpiredPodsOnRequest = true;
        _server.AddPod(NewPod("games", "g1", "n1"));
        await SendAsync(HttpMethod.Delete, "/api/v1/namespaces/games/pods/g1", DeleteOptionsJson(grace: 10), "application/json");
        var (beforeDeadline, _) = await SendAsync(HttpMethod.Get, "/api/v1/namespaces/games/pods/g1");

        _clock.Advance(TimeSpan.FromSeconds(10));
        var (afterDeadline, _) = await SendAsync(HttpMethod.Get, "/api/v1/namespaces/games/pods/g1");

        Assert.That(beforeDeadline, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(afterDeadline, Is.EqualTo(HttpStatusCode.NotFound));
    }

    // ---- helpers ----

    private static Node NewNode(string name) => new() { Metadata = new ObjectMeta { Name = name } };

    private static Pod NewPod(string ns, string name, string? node, Dictionary<string, string>? labels = null, long grace = 30, string? phase = null) => new()
    {
        Metadata = new ObjectMeta { Name = name, Namespace = ns, Labels = labels },
        Spec = new PodSpec { NodeName = node, TerminationGracePeriodSeconds = grace },
        Status = phase is null ? null : new PodStatus { Phase = phase },
    };

    private static string Serialize(Node node) => System.Text.Json.JsonSerializer.Serialize(node, KubernetesJsonContext.Default.Node);

    private static string EvictionJson(string ns, string name) => System.Text.Json.JsonSerializer.Serialize(
        new Eviction { Metadata = new ObjectMeta { Name = name, Namespace = ns } }, KubernetesJsonContext.Default.Eviction);

    private static string DeleteOptionsJson(long? grace = null, string? uid = null) => System.Text.Json.JsonSerializer.Serialize(
        new DeleteOptions { GracePeriodSeconds = grace, Preconditions = uid is null ? null : new Preconditions { Uid = uid } },
        KubernetesJsonContext.Default.DeleteOptions);

    private static string EventJson(string ns, string? name)
    {
        var nameField = name is null ? string.Empty : $"\"name\":\"{name}\",";
        return "{\"apiVersion\":\"v1\",\"kind\":\"Event\",\"metadata\":{" + nameField + $"\"namespace\":\"{ns}\"}},"
            + "\"involvedObject\":{\"kind\":\"Node\",\"name\":\"n1\"},\"reason\":\"SpotInterruption\",\"message\":\"terminate at 12:02\","
            + "\"type\":\"Warning\",\"source\":{\"component\":\"spotable-agent\"}}";
    }

    private static string? Str(JsonNode? node, params string[] path)
    {
        foreach (var segment in path)
        {
            node = node switch
            {
                JsonObject obj => obj[segment],
                JsonArray array when int.TryParse(segment, CultureInfo.InvariantCulture, out var i) && i < array.Count => array[i],
                _ => null,
            };
        }

        return node is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;
    }

    private static string[] Names(JsonNode? list) =>
        list!["items"]!.AsArray().Select(i => $"{Str(i, "metadata", "namespace")}/{Str(i, "metadata", "name")}").ToArray();

    private static async Task<JsonNode?> ReadJsonAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        return text.Length == 0 ? null : JsonNode.Parse(text);
    }

    private async Task<(HttpStatusCode Status, JsonNode? Body)> SendAsync(HttpMethod method, string path, string? body = null, string? contentType = null)
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        if (body is not null)
        {
            request.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
            if (contentType is not null)
            {
                request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
            }
        }

        using var response = await _http.SendAsync(request);
        return (response.StatusCode, await ReadJsonAsync(response));
    }
}
