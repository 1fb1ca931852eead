using System.Net;
using System.Net.Http.Headers;
using Spotable.SpotAgent.Configuration;
using Spotable.SpotAgent.Handling;
using Spotable.SpotAgent.Tests.Manifests;
using Spotable.SpotAgent.Tests.Scenarios;
using Spotable.Testing.FakeImds;
using Spotable.Testing.FakeKube;

namespace Spotable.SpotAgent.Tests.Rbac;

/// <summary>
/// Least privilege, proven: the agent scenarios run against a fake apiserver that enforces the base's ClusterRole
/// (AgentHarness sets its Authorizer), and the calls they record are exactly what the role grants.
/// </summary>
public class ClusterRoleLeastPrivilegeTests
{
    private const string MaintenanceEventId = "instance-event-0d59937288b749b32";

    [Test]
    public void ClusterRole_Rules_NoWildcardsNoNonResourceUrls()
    {
        var rules = ClusterRoleRules.FromManifests();

        Assert.That(rules.Rules, Is.Not.Empty);
        Assert.Multiple(() =>
        {
            foreach (var rule in rules.Rules)
            {
                Assert.That(rule.Verbs, Is.Not.Empty.And.None.Contains("*"), "verbs");
                Assert.That(rule.ApiGroups, Is.Not.Empty.And.None.Contains("*"), "apiGroups");
                Assert.That(rule.Resources, Is.Not.Empty.And.None.Contains("*"), "resources");
                Assert.That(rule.Resources, Has.None.StartsWith("*/").And.None.EndsWith("/*"), "resources");
                Assert.That(rule.NonResourceUrls, Is.Empty, "nonResourceURLs");
            }
        });
    }

    [TestCaseSource(typeof(AgentManifestTests), nameof(AgentManifestTests.AgentKustomizations))]
    public void ClusterRole_EachAgentKustomization_GrantsWhatTheBaseGrants(string kustomization)
    {
        var rendered = ClusterRoleRules.FromRendered(Kustomize.Render(kustomization));

        Assert.That(rendered.Grants, Is.EquivalentTo(ClusterRoleRules.FromManifests().Grants), "an overlay does not widen (or break) the agent's role");
    }

    [Test]
    public async Task AgentHarness_CallTheRoleDoesNotGrant_Forbidden()
    {
        await using var agent = await AgentHarness.StartAsync(withQueue: false);
        using var http = new HttpClient { BaseAddress = agent.Kube.Server };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", agent.Kube.Token);

        using var secrets = await http.GetAsync(new Uri("api/v1/namespaces/kube-system/secrets", UriKind.Relative));
        using var node = await http.GetAsync(new Uri($"api/v1/nodes/{AgentHarness.NodeName}", UriKind.Relative));

        Assert.Multiple(() =>
        {
            Assert.That(secrets.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden), "the harness enforces the ClusterRole");
            Assert.That(node.StatusCode, Is.EqualTo(HttpStatusCode.OK), "and lets through what it grants");
            Assert.That(agent.Kube.Calls, Does.Contain(new ApiCall("list", "", "secrets", null, "kube-system", null)));
        });
    }

    [Test]
    public async Task ClusterRole_AgentScenarios_GrantsExactlyTheCallsMade()
    {
        var rules = ClusterRoleRules.FromManifests();
        var calls = new List<(string Scenario, ApiCall Call)>();

        foreach (var (scenario, configure, drive) in new (string, Func<AgentOptions, AgentOptions>?, Func<AgentHarness, Task>)[]
        {
            ("spot interruption", null, SpotInterruptionDrivenToTheDeadlineAsync),
            ("rebalance drain", o => o with { RebalanceAction = RebalanceAction.Drain }, RebalanceWithDrainAsync),
            ("maintenance scheduled, canceled", null, MaintenanceScheduledThenCanceledAsync),
        })
        {
            calls.AddRange((await RunAsync(scenario, rules, configure, drive)).Select(c => (scenario, c)));
        }

        var denied = calls.Where(c => !rules.Allows(c.Call)).Select(c => $"{c.Scenario}: {Describe(c.Call)}").Distinct().ToList();
        var unused = rules.Grants
            .Where(g => !calls.Any(c => !c.Call.IsNonResourceUrl && c.Call.Group == g.Group && c.Call.RbacResource == g.Resource && c.Call.Verb == g.Verb))
            .Select(g => $"{g.Verb} {(g.Group.Length == 0 ? "core" : g.Group)}/{g.Resource}")
            .ToList();

        Assert.That(calls, Is.Not.Empty);
        Assert.Multiple(() =>
        {
            Assert.That(denied, Is.Empty, "calls the agent makes that the ClusterRole does not grant");
            Assert.That(unused, Is.Empty, "grants of the ClusterRole that no scenario used");
        });
    }

    /// <summary>
    /// Runs one scenario on a fresh harness and returns every call it recorded. A call the role denies makes the
    /// agent fail and the scenario time out; that failure then names the denied calls, not only the timeout.
    /// </summary>
    private static async Task<IReadOnlyList<ApiCall>> RunAsync(
        string scenario, ClusterRoleRules rules, Func<AgentOptions, AgentOptions>? configure, Func<AgentHarness, Task> drive)
    {
        await using var agent = await AgentHarness.StartAsync(configure: configure);
        try
        {
            await drive(agent);
        }
        catch (Exception) when (agent.Kube.Calls.Any(c => !rules.Allows(c)))
        {
            var denied = agent.Kube.Calls.Where(c => !rules.Allows(c)).Select(Describe).Distinct();
            Assert.Fail($"{scenario}: the ClusterRole denied {string.Join("; ", denied)}");
        }

        return agent.Kube.Calls;
    }

    private static string Describe(ApiCall call) =>
        $"{call.Verb} {(call.Group.Length == 0 ? "core" : call.Group)}/{call.RbacResource}" + (call.Namespace is null ? string.Empty : $" in {call.Namespace}");

    /// <summary>Game pods signalled, others evicted, a PDB-blocked pod deleted at the deadline, events and records written.</summary>
    private static async Task SpotInterruptionDrivenToTheDeadlineAsync(AgentHarness agent)
    {
        for (var i = 0; i < 5; i++)
        {
            agent.AddGamePod($"arena-{i}", grace: i == 0 ? 60 : 300);
        }

        agent.AddOtherPod("web-0");
        agent.AddOtherPod("web-1");
        agent.AddOtherPod("ledger-0", app: "ledger");
        agent.Kube.AddPodDisruptionBudget("ledger", "default", new Dictionary<string, string> { ["app"] = "ledger" }, disruptionsAllowed: 0);
        agent.AddOtherPod("fluent-bit-abcde", ns: "kube-system", app: "fluent-bit", ownerKind: "DaemonSet");
        agent.AddOtherPod("kube-proxy-node", ns: "kube-system", app: "kube-proxy", ownerKind: "Node", annotations: new() { ["kubernetes.io/config.mirror"] = "abc123" });
        agent.AddOtherPod("spot-agent-x7k2p", ns: "spotable-system", app: "spot-agent", ownerKind: "DaemonSet");
        agent.Imds.SetSpotInstanceAction("terminate", AgentHarness.Start.AddMinutes(2));
        var poller = agent.NewAgent();

        await poller.PollOnceAsync(agent.AgentLife);
        await AgentHarness.EventuallyAsync(() => agent.Kube.Deletions.Count(d => d.Namespace == "games") == 5
            && agent.Kube.Evictions.Count(e => e.StatusCode == 201) == 2 && agent.Kube.Evictions.Any(e => e.Name == "ledger-0"),
            "games deleted, others evicted, the blocked pod tried");
        await agent.AdvanceAsync(TimeSpan.FromSeconds(115), TimeSpan.FromSeconds(5));
        await AgentHarness.EventuallyAsync(() => agent.Kube.Deletions.Any(d => d.Name == "ledger-0"), "blocked pod deleted at the deadline");
        await AgentHarness.EventuallyAsync(() => agent.Record(NodeAnnotations.Interruption)?.Drained == true, "drain recorded");

        Assert.That(agent.Kube.Events.Select(e => e.Reason), Is.SupersetOf(new[] { "SpotInterruption", "GameServersSignalled", "DrainBlocked", "Drained" }));
    }

    private static async Task RebalanceWithDrainAsync(AgentHarness agent)
    {
        agent.AddGamePod("arena-1", grace: 300);
        agent.AddOtherPod("web-1");
        agent.Imds.SetRebalanceRecommendation(AgentHarness.Start);
        var poller = agent.NewAgent();

        await poller.PollOnceAsync(agent.AgentLife);
        await AgentHarness.EventuallyAsync(() => agent.Record(NodeAnnotations.Rebalance)?.Drained == true, "rebalance drain done");
        await poller.PollOnceAsync(agent.AgentLife);

        Assert.Multiple(() =>
        {
            Assert.That(agent.Kube.GetNode(AgentHarness.NodeName)!.Spec!.Unschedulable, Is.True);
            Assert.That(agent.Kube.Evictions.Any(e => e.Name == "web-1" && e.StatusCode == 201), Is.True);
            Assert.That(agent.Kube.Deletions.Any(d => d.Name == "arena-1"), Is.True);
        });
    }

    private static async Task MaintenanceScheduledThenCanceledAsync(AgentHarness agent)
    {
        agent.AddGamePod("arena-1", grace: 300);
        agent.AddOtherPod("web-1");
        var notBefore = AgentHarness.Start.AddHours(6);
        agent.Imds.Metadata[FakeImdsServer.ScheduledMaintenancePath] = Maintenance(notBefore, "active");
        var poller = agent.NewAgent();

        await poller.PollOnceAsync(agent.AgentLife);
        await AgentHarness.EventuallyAsync(() => agent.Record(NodeAnnotations.Maintenance)?.Notified == true, "maintenance notified");
        var cordoned = agent.Kube.GetNode(AgentHarness.NodeName)!.Spec!.Unschedulable;
        agent.Imds.Metadata[FakeImdsServer.ScheduledMaintenancePath] = Maintenance(notBefore, "canceled");
        await poller.PollOnceAsync(agent.AgentLife);
        await AgentHarness.EventuallyAsync(() => agent.Record(NodeAnnotations.Maintenance) is null, "maintenance undone");

        Assert.Multiple(() =>
        {
            Assert.That(cordoned, Is.True);
            Assert.That(agent.Kube.GetNode(AgentHarness.NodeName)!.Spec!.Unschedulable, Is.Not.True);
        });
    }

    private static string Maintenance(DateTimeOffset notBefore, string state) =>
        $"[{{\"NotBefore\":\"{FakeImdsServer.MaintenanceTime(notBefore)}\",\"Code\":\"system-reboot\",\"Description\":\"scheduled\","
        + $"\"EventId\":\"{MaintenanceEventId}\",\"NotAfter\":\"{FakeImdsServer.MaintenanceTime(notBefore.AddHours(2))}\",\"State\":\"{state}\"}}]";
}
