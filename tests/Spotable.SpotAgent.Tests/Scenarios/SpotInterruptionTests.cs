using System.Text.Json;
using Spotable.Common.Kubernetes;
using Spotable.SpotAgent.Handling;

namespace Spotable.SpotAgent.Tests.Scenarios;

/// <summary>A Spot interruption on a busy node: 50 game pods, 20 other pods (one behind a PDB), DaemonSet and mirror pods.</summary>
public class SpotInterruptionTests
{
    private static readonly DateTimeOffset Deadline = AgentHarness.Start.AddMinutes(2);
    private AgentHarness _agent = null!;

    [SetUp]
    public async Task SetUp()
    {
        _agent = await AgentHarness.StartAsync();
        for (var i = 0; i < 50; i++)
        {
            _agent.AddGamePod($"arena-{i:D2}", grace: i % 5 == 0 ? 60 : 300);
        }

        for (var i = 0; i < 19; i++)
        {
            _agent.AddOtherPod($"web-{i:D2}");
        }

        _agent.AddOtherPod("ledger-0", app: "ledger");
        _agent.Kube.AddPodDisruptionBudget("ledger", "default", new Dictionary<string, string> { ["app"] = "ledger" }, disruptionsAllowed: 0);
        _agent.AddOtherPod("fluent-bit-abcde", ns: "kube-system", app: "fluent-bit", ownerKind: "DaemonSet");
        _agent.AddOtherPod("kube-proxy-node", ns: "kube-system", app: "kube-proxy", ownerKind: "Node",
            annotations: new() { ["kubernetes.io/config.mirror"] = "abc123" });
        _agent.AddOtherPod("spot-agent-x7k2p", ns: "spotable-system", app: "spot-agent", ownerKind: "DaemonSet");
        _agent.Imds.SetSpotInstanceAction("terminate", Deadline);
    }

    [TearDown]
    public async Task TearDown() => await _agent.DisposeAsync();

    private int GameDeletions => _agent.Kube.Deletions.Count(d => d.Namespace == "games");

    [Test]
    public async Task Interruption_FirstPoll_EveryGameDeletedWithTheTimeLeftOthersEvictedOneMessage()
    {
        var poller = _agent.NewAgent();

        await poller.PollOnceAsync(_agent.AgentLife);
        await AgentHarness.EventuallyAsync(() => GameDeletions == 50 && _agent.Kube.Evictions.Count(e => e.StatusCode == 201) == 19
            && _agent.Kube.Evictions.Any(e => e.Name == "ledger-0"), "games deleted and others evicted");

        // Games: all at once, at the first poll (no fake time has passed), grace = min(own, 120 s − 5 s margin).
        var games = _agent.Kube.Deletions.Where(d => d.Namespace == "games").ToList();
        Assert.That(games.Select(d => d.Name).Distinct().Count(), Is.EqualTo(50));
        Assert.That(games.Where(d => d.Name.EndsWith('0') || d.Name.EndsWith('5')).Select(d => d.GracePeriodSeconds), Has.All.EqualTo(60));
        Assert.That(games.Where(d => !(d.Name.EndsWith('0') || d.Name.EndsWith('5'))).Select(d => d.GracePeriodSeconds), Has.All.EqualTo(115));
        Assert.That(games.Select(d => d.Time), Has.All.EqualTo(AgentHarness.Start));

        // The node: cordoned, tainted, recorded.
        var node = _agent.Kube.GetNode(AgentHarness.NodeName)!;
        Assert.That(node.Spec!.Unschedulable, Is.True);
        Assert.That(node.Spec.Taints!.Single(t => t.Key == "spotable.io/interruption").Value, Is.EqualTo("terminate"));
        Assert.That(node.Spec.Taints!.Single(t => t.Key == "spotable.io/interruption").Effect, Is.EqualTo("NoSchedule"));

        // Never touched: DaemonSet, mirror, the agent itself.
        var touched = _agent.Kube.Deletions.Select(d => d.Name).Concat(_agent.Kube.Evictions.Select(e => e.Name)).ToHashSet();
        Assert.That(touched, Does.Not.Contain("fluent-bit-abcde").And.Not.Contain("kube-proxy-node").And.Not.Contain("spot-agent-x7k2p"));

        // The PDB-blocked pod is still there until the deadline minus the margin, then deleted with what is left.
        Assert.That(_agent.Kube.Deletions.Any(d => d.Name == "ledger-0"), Is.False);
        await _agent.AdvanceAsync(TimeSpan.FromSeconds(110), TimeSpan.FromSeconds(5));
        Assert.That(_agent.Kube.Deletions.Any(d => d.Name == "ledger-0"), Is.False, "deleted before the deadline minus the margin");
        await _agent.AdvanceAsync(TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(5));
        await AgentHarness.EventuallyAsync(() => _agent.Kube.Deletions.Any(d => d.Name == "ledger-0"), "blocked pod deleted at the deadline");
        Assert.That(_agent.Kube.Deletions.Single(d => d.Name == "ledger-0").GracePeriodSeconds, Is.EqualTo(5));

        // Exactly one message, listing the 50 servers, grouped by node, deduplicated by the interruption id.
        await AgentHarness.EventuallyAsync(() => _agent.Record(NodeAnnotations.Interruption)?.Drained == true, "drain recorded");
        var messages = await _agent.DrainQueueAsync(TimeSpan.FromSeconds(1));
        Assert.That(messages, Has.Count.EqualTo(1));
        var body = JsonDocument.Parse(messages[0].Body).RootElement;
        Assert.That(body.GetProperty("schema").GetString(), Is.EqualTo("spotable.node/v1"));
        Assert.That(body.GetProperty("type").GetString(), Is.EqualTo("interruption"));
        Assert.That(body.GetProperty("node").GetString(), Is.EqualTo(AgentHarness.NodeName));
        Assert.That(body.GetProperty("action").GetString(), Is.EqualTo("terminate"));
        Assert.That(body.GetProperty("deadline").GetString(), Is.EqualTo("2026-11-21T17:02:00.000Z"));
        Assert.That(body.GetProperty("servers").EnumerateArray().Select(s => s.GetString()), Is.EquivalentTo(Enumerable.Range(0, 50).Select(i => $"games/arena-{i:D2}")));
        Assert.That(messages[0].MessageGroupId, Is.EqualTo(AgentHarness.NodeName));
        Assert.That(messages[0].MessageDeduplicationId, Is.EqualTo(_agent.Record(NodeAnnotations.Interruption)!.Id));
        Assert.That(body.GetProperty("id").GetString(), Is.EqualTo(_agent.Record(NodeAnnotations.Interruption)!.Id));

        // Events on the Node for each step, and one naming the blocked pod.
        var reasons = _agent.Kube.Events.Select(e => e.Reason).ToList();
        Assert.That(reasons, Is.SupersetOf(new[] { "SpotInterruption", "GameServersSignalled", "DrainBlocked", "Drained" }));
        Assert.That(_agent.Kube.Events.Single(e => e.Reason == "DrainBlocked").Message, Does.Contain("default/ledger-0"));
        Assert.That(_agent.Kube.Events.Select(e => e.InvolvedObject.Kind), Has.All.EqualTo("Node"));
    }

    [Test]
    public async Task Interruption_AgentRestartedMidDrain_NoSecondMessageAndDrainCompletes()
    {
        var first = _agent.NewAgent();
        await first.PollOnceAsync(_agent.AgentLife);
        await AgentHarness.EventuallyAsync(() => GameDeletions == 50 && _agent.Record(NodeAnnotations.Interruption)?.Notified == true, "first agent signalled and notified");
        await _agent.KillAgentAsync();

        var second = _agent.NewAgent();
        await second.PollOnceAsync(_agent.AgentLife);
        await _agent.AdvanceAsync(TimeSpan.FromSeconds(115), TimeSpan.FromSeconds(5));
        await AgentHarness.EventuallyAsync(() => _agent.Record(NodeAnnotations.Interruption)?.Drained == true, "second agent finished the drain");

        Assert.That(await _agent.DrainQueueAsync(TimeSpan.FromSeconds(1)), Has.Count.EqualTo(1), "the restarted agent did not notify again");
        Assert.That(_agent.Kube.Deletions.Any(d => d.Name == "ledger-0"), Is.True);
        Assert.That(_agent.Kube.Deletions.Count(d => d.Namespace == "games"), Is.EqualTo(50), "games already terminating are not deleted again");
    }

    [Test]
    public async Task Interruption_CordonRefused_GamesStillGetTheirSigterm()
    {
        _agent.Kube.FailNext(1000, 422, when: (method, _) => method == "PATCH");
        var poller = _agent.NewAgent();

        await poller.PollOnceAsync(_agent.AgentLife);

        await AgentHarness.EventuallyAsync(() => GameDeletions == 50, "games deleted although the node could not be cordoned");
        Assert.That(_agent.Kube.GetNode(AgentHarness.NodeName)!.Spec!.Unschedulable, Is.Not.True);
        Assert.That(_agent.Kube.Deletions.Where(d => d.Namespace == "games").Select(d => d.Time), Has.All.EqualTo(AgentHarness.Start));
    }

    [Test]
    public async Task Interruption_ApiserverStorms_RetriedAndEveryGameStillDeleted()
    {
        _agent.Kube.FailNext(3, 503);
        _agent.Kube.FailNext(2, 429, TimeSpan.FromMilliseconds(200));
        _agent.Kube.FailNext(2, 500, when: (method, _) => method == "DELETE");
        var poller = _agent.NewAgent();

        await poller.PollOnceAsync(_agent.AgentLife);

        await AgentHarness.EventuallyAsync(() => _agent.Kube.Pods.Count(p => p.Metadata.Namespace == "games" && p.Metadata.DeletionTimestamp is not null) == 50, "all games terminating despite the storm");
        Assert.That(_agent.Kube.GetNode(AgentHarness.NodeName)!.Spec!.Unschedulable, Is.True);
    }
}
