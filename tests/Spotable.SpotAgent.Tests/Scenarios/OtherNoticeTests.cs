using System.Text.Json;
using Spotable.SpotAgent.Configuration;
using Spotable.SpotAgent.Handling;
using Spotable.Testing.FakeImds;

namespace Spotable.SpotAgent.Tests.Scenarios;

/// <summary>Rebalance recommendations, scheduled maintenance, dry-run and IMDS trouble.</summary>
public class OtherNoticeTests
{
    private AgentHarness? _agent;

    [TearDown]
    public async Task TearDown()
    {
        if (_agent is not null)
        {
            await _agent.DisposeAsync();
        }
    }

    private async Task<AgentHarness> StartAsync(Func<AgentOptions, AgentOptions>? configure = null, bool withQueue = true)
    {
        _agent = await AgentHarness.StartAsync(withQueue, configure);
        _agent.AddGamePod("arena-1", grace: 300);
        _agent.AddGamePod("arena-2", grace: 60);
        _agent.AddOtherPod("web-1");
        return _agent;
    }

    /// <summary>The IMDS maintenance document as EC2 writes it (dates like "21 Nov 2026 23:00:00 GMT").</summary>
    private static string Maintenance(string eventId, string code, DateTimeOffset notBefore, string state) =>
        $"[{{\"NotBefore\":\"{FakeImdsServer.MaintenanceTime(notBefore)}\",\"Code\":\"{code}\",\"Description\":\"scheduled\",\"EventId\":\"{eventId}\",\"NotAfter\":\"{FakeImdsServer.MaintenanceTime(notBefore.AddHours(2))}\",\"State\":\"{state}\"}}]";

    private static string[] Types(IEnumerable<Spotable.Common.Sqs.SqsReceivedMessage> messages) =>
        [.. messages.Select(m => JsonDocument.Parse(m.Body).RootElement.GetProperty("type").GetString()!)];

    [TestCase("none", false, false)]
    [TestCase("cordon", true, false)]
    [TestCase("drain", true, true)]
    public async Task Rebalance_EachAction_DoesWhatItSays(string actionName, bool cordons, bool drains)
    {
        var action = Enum.Parse<RebalanceAction>(actionName, ignoreCase: true);
        var agent = await StartAsync(o => o with { RebalanceAction = action });
        agent.Imds.SetRebalanceRecommendation(AgentHarness.Start);
        var poller = agent.NewAgent();

        await poller.PollOnceAsync(agent.AgentLife);
        await AgentHarness.EventuallyAsync(() => agent.Record(NodeAnnotations.Rebalance)?.Notified == true
            || (action == RebalanceAction.None && agent.Kube.Calls.Any(c => c.Verb == "patch")), "rebalance notified");
        if (drains)
        {
            await AgentHarness.EventuallyAsync(() => agent.Record(NodeAnnotations.Rebalance)?.Drained == true, "rebalance drain done");
        }

        await poller.PollOnceAsync(agent.AgentLife); // The recommendation stays in IMDS: a second poll changes nothing.
        var node = agent.Kube.GetNode(AgentHarness.NodeName)!;
        Assert.That(node.Spec!.Unschedulable == true, Is.EqualTo(cordons));
        Assert.That(node.Spec.Taints?.Any(t => t.Key == "spotable.io/rebalance" && t.Effect == "NoSchedule") == true, Is.EqualTo(cordons));
        Assert.That(Types(await agent.DrainQueueAsync(TimeSpan.FromSeconds(1))), Is.EqualTo(new[] { "rebalance" }));
        Assert.That(agent.Kube.Deletions.Where(d => d.Namespace == "games").Select(d => (d.Name, d.GracePeriodSeconds)),
            drains ? Is.EquivalentTo(new[] { ("arena-1", 300L), ("arena-2", 60L) }) : Is.Empty);
        Assert.That(agent.Kube.Evictions.Any(e => e.Name == "web-1"), Is.EqualTo(drains));
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task Maintenance_ScheduledThenCanceled_CordonsNotifiesThenUndoesOnlyItsOwnCordon(bool operatorCordoned)
    {
        var agent = await StartAsync();
        if (operatorCordoned)
        {
            agent.Kube.UpdateNode(AgentHarness.NodeName, n => n.Spec!.Unschedulable = true);
        }

        var notBefore = AgentHarness.Start.AddHours(6);
        agent.Imds.Metadata[FakeImdsServer.ScheduledMaintenancePath] = Maintenance("instance-event-0d59937288b749b32", "system-reboot", notBefore, "active");
        var poller = agent.NewAgent();

        await poller.PollOnceAsync(agent.AgentLife);
        await AgentHarness.EventuallyAsync(() => agent.Record(NodeAnnotations.Maintenance)?.Notified == true, "maintenance notified");
        var node = agent.Kube.GetNode(AgentHarness.NodeName)!;
        Assert.That(node.Spec!.Unschedulable, Is.True);
        Assert.That(node.Spec.Taints!.Single(t => t.Key == "spotable.io/maintenance").Value, Is.EqualTo("system-reboot"));
        Assert.That(agent.Kube.Deletions, Is.Empty, "six hours ahead: no game is cut short yet");

        agent.Imds.Metadata[FakeImdsServer.ScheduledMaintenancePath] = Maintenance("instance-event-0d59937288b749b32", "system-reboot", notBefore, "canceled");
        await poller.PollOnceAsync(agent.AgentLife);
        await AgentHarness.EventuallyAsync(() => agent.Record(NodeAnnotations.Maintenance) is null, "maintenance undone");

        node = agent.Kube.GetNode(AgentHarness.NodeName)!;
        Assert.That(node.Spec!.Unschedulable == true, Is.EqualTo(operatorCordoned), "an operator's cordon stays; the agent's own goes");
        Assert.That(node.Spec.Taints?.Any(t => t.Key == "spotable.io/maintenance") == true, Is.False);
        Assert.That(Types(await agent.DrainQueueAsync(TimeSpan.FromSeconds(1))), Is.EqualTo(new[] { "maintenance", "maintenance-canceled" }));
    }

    [Test]
    public async Task Maintenance_DaysAhead_DoesNotPollTheApiserverEverySecond()
    {
        var agent = await StartAsync();
        agent.Imds.Metadata[FakeImdsServer.ScheduledMaintenancePath] = Maintenance("instance-event-2", "instance-retirement", AgentHarness.Start.AddDays(3), "active");
        var poller = agent.NewAgent();
        await poller.PollOnceAsync(agent.AgentLife);
        await AgentHarness.EventuallyAsync(() => agent.Record(NodeAnnotations.Maintenance)?.Notified == true, "maintenance notified");
        var before = agent.Kube.RequestCount;

        await agent.AdvanceAsync(TimeSpan.FromSeconds(120), TimeSpan.FromSeconds(1));

        Assert.That(agent.Kube.RequestCount - before, Is.LessThanOrEqualTo(1), "the maintenance watch sleeps until a game is due");
        Assert.That(agent.Kube.Deletions, Is.Empty);
    }

    [Test]
    public async Task Maintenance_NotBeforeNear_GamesSignalledSoTheyEndBeforeIt()
    {
        var agent = await StartAsync();
        var notBefore = AgentHarness.Start.AddMinutes(10);
        agent.Imds.Metadata[FakeImdsServer.ScheduledMaintenancePath] = Maintenance("instance-event-1", "instance-stop", notBefore, "active");
        var poller = agent.NewAgent();

        await poller.PollOnceAsync(agent.AgentLife);
        await AgentHarness.EventuallyAsync(() => agent.Record(NodeAnnotations.Maintenance)?.Notified == true, "maintenance notified");
        Assert.That(agent.Kube.Deletions, Is.Empty);

        // arena-1's grace (300 s) + margin fits in the 10 minutes only from 17:04:55 on; arena-2 (60 s) from 17:08:55.
        await agent.AdvanceAsync(TimeSpan.FromSeconds(296), TimeSpan.FromSeconds(1));
        await AgentHarness.EventuallyAsync(() => agent.Kube.Deletions.Any(d => d.Name == "arena-1"), "arena-1 signalled");
        Assert.That(agent.Kube.Deletions.Any(d => d.Name == "arena-2"), Is.False);
        await agent.AdvanceAsync(TimeSpan.FromSeconds(245), TimeSpan.FromSeconds(1));
        await AgentHarness.EventuallyAsync(() => agent.Kube.Deletions.Any(d => d.Name == "arena-2"), "arena-2 signalled");

        Assert.That(agent.Kube.Deletions.Where(d => d.Namespace == "games").Select(d => d.Time + TimeSpan.FromSeconds(d.GracePeriodSeconds)),
            Has.All.LessThanOrEqualTo(notBefore.AddSeconds(-5)));
    }

    [Test]
    public async Task DryRun_SpotInterruption_ChangesNothingPostsNothing()
    {
        var agent = await StartAsync(o => o with { DryRun = true });
        agent.Imds.SetSpotInstanceAction("terminate", AgentHarness.Start.AddMinutes(2));
        var poller = agent.NewAgent();

        await poller.PollOnceAsync(agent.AgentLife);
        await AgentHarness.EventuallyAsync(() => agent.Kube.Calls.Count(c => c.Verb == "list") >= 2, "decisions made");
        await agent.AdvanceAsync(TimeSpan.FromSeconds(120), TimeSpan.FromSeconds(5));
        await agent.Responder!.AllWork.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.That(agent.Kube.Calls.Select(c => c.Verb).Distinct(), Is.SubsetOf(new[] { "get", "list" }));
        Assert.That(agent.Kube.GetNode(AgentHarness.NodeName)!.Spec!.Unschedulable, Is.Not.True);
        Assert.That(agent.Kube.Deletions, Is.Empty);
        Assert.That(agent.Kube.Events, Is.Empty);
        Assert.That(await agent.DrainQueueAsync(TimeSpan.FromSeconds(1)), Is.Empty);
    }

    [TestCase(401)]
    [TestCase(429)]
    [TestCase(500)]
    [TestCase(503)]
    public async Task ImdsFailing_PollNeverThrowsAndActsAtTheFirstPollAfterRecovery(int status)
    {
        var agent = await StartAsync();
        var poller = agent.NewAgent();
        agent.Imds.FailNextRequests(1000, status);

        for (var i = 0; i < 5; i++)
        {
            await poller.PollOnceAsync(agent.AgentLife);
        }

        Assert.That(agent.Kube.Calls.Any(c => c.Verb == "patch"), Is.False);
        var expected = status switch { 401 => "unauthorized", 429 => "throttled", _ => "server_error" };
        Assert.That(agent.Exporter.Render(), Does.Contain($"spotable_imds_polls_total{{result=\"{expected}\"}} 5"), "each failed poll counted once, by kind");
        agent.Imds.FailNextRequests(0, status);
        agent.Imds.SetSpotInstanceAction("terminate", AgentHarness.Start.AddMinutes(2));
        await poller.PollOnceAsync(agent.AgentLife);
        await AgentHarness.EventuallyAsync(() => agent.Kube.Deletions.Count(d => d.Namespace == "games") == 2, "acted after recovery");
    }

    [Test]
    public async Task ImdsSlowOrMalformed_PollNeverThrowsAndHealthStaysAlive()
    {
        var agent = await StartAsync(withQueue: false);
        var poller = agent.NewAgent();
        agent.Imds.Metadata[FakeImdsServer.SpotInstanceActionPath] = "{\"action\": terminate";

        await poller.PollOnceAsync(agent.AgentLife);
        agent.Imds.Metadata.TryRemove(FakeImdsServer.SpotInstanceActionPath, out _);
        agent.Imds.Delay = TimeSpan.FromSeconds(3);
        await poller.PollOnceAsync(agent.AgentLife);

        Assert.That(agent.Health.IsAlive(TimeSpan.FromSeconds(1)), Is.True);
        var metrics = agent.Exporter.Render();
        Assert.That(metrics, Does.Contain("spotable_imds_polls_total{result=\"bad_json\"} 1"));
        Assert.That(metrics, Does.Contain("spotable_imds_polls_total{result=\"timeout\"} 1"));
        Assert.That(agent.Kube.Calls.Any(c => c.Verb == "patch"), Is.False);
    }
}
