using Spotable.SpotAgent.Tests.Manifests;
using Spotable.Testing.FakeKube;

namespace Spotable.SpotAgent.Tests.Rbac;

/// <summary>The RBAC evaluator the scenarios run against must answer as the API server's does, or its proof is worthless.</summary>
public class ClusterRoleRulesTests
{
    private static ClusterRoleRules Parse(string rules) => ClusterRoleRules.FromClusterRole(Kustomize.Parse(
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: test\nrules:\n" + rules, "inline").Single());

    private static ApiCall Call(string verb, string resource, string? subresource = null, string group = "", string? ns = null, string? name = null) =>
        new(verb, group, resource, subresource, ns, name);

    [Test]
    public void Allows_SubresourceCall_OnlyTheSubresourceRuleGrantsIt()
    {
        var podsOnly = Parse("  - apiGroups: [\"\"]\n    resources: [pods]\n    verbs: [create, delete]\n");
        var eviction = Parse("  - apiGroups: [\"\"]\n    resources: [pods/eviction]\n    verbs: [create]\n");
        var evict = Call("create", "pods", "eviction", ns: "default", name: "web-1");

        Assert.Multiple(() =>
        {
            Assert.That(podsOnly.Allows(evict), Is.False, "pods does not grant pods/eviction");
            Assert.That(eviction.Allows(evict), Is.True);
            Assert.That(eviction.Allows(Call("create", "pods", ns: "default")), Is.False, "pods/eviction does not grant pods");
            Assert.That(eviction.Allows(Call("create", "pods", "status", ns: "default", name: "web-1")), Is.False);
        });
    }

    [Test]
    public void Allows_VerbOrGroupDiffers_Denied()
    {
        var rules = Parse("  - apiGroups: [\"\"]\n    resources: [nodes]\n    verbs: [get, patch]\n");

        Assert.Multiple(() =>
        {
            Assert.That(rules.Allows(Call("get", "nodes", name: "n1")), Is.True);
            Assert.That(rules.Allows(Call("patch", "nodes", name: "n1")), Is.True);
            Assert.That(rules.Allows(Call("update", "nodes", name: "n1")), Is.False);
            Assert.That(rules.Allows(Call("list", "nodes")), Is.False);
            Assert.That(rules.Allows(Call("get", "nodes", group: "metrics.k8s.io", name: "n1")), Is.False);
            Assert.That(rules.Allows(Call("patch", "nodes", "status", name: "n1")), Is.False);
        });
    }

    [Test]
    public void Allows_Wildcards_MatchAsTheApiServerDoes()
    {
        var rules = Parse(
            "  - apiGroups: [\"*\"]\n    resources: [\"*/status\"]\n    verbs: [get]\n"
            + "  - apiGroups: [apps]\n    resources: [\"*\"]\n    verbs: [\"*\"]\n"
            + "  - nonResourceURLs: [/healthz, \"/metrics/*\"]\n    verbs: [get]\n");

        Assert.Multiple(() =>
        {
            Assert.That(rules.Allows(Call("get", "pods", "status", name: "p")), Is.True);
            Assert.That(rules.Allows(Call("get", "pods", name: "p")), Is.False, "*/status is only the subresource");
            Assert.That(rules.Allows(Call("delete", "deployments", group: "apps", ns: "x", name: "d")), Is.True);
            Assert.That(rules.Allows(Call("delete", "deployments", "scale", group: "apps", ns: "x", name: "d")), Is.True, "* covers subresources");
            Assert.That(rules.Allows(Call("delete", "pods", ns: "x", name: "p")), Is.False);
            Assert.That(rules.Allows(Call("get", "/healthz")), Is.True);
            Assert.That(rules.Allows(Call("get", "/metrics/cadvisor")), Is.True);
            Assert.That(rules.Allows(Call("get", "/version")), Is.False);
            Assert.That(rules.Allows(Call("post", "/healthz")), Is.False);
        });
    }

    [Test]
    public void Allows_ResourceNames_OnlyThoseNamesAndNeverANamelessCall()
    {
        var rules = Parse("  - apiGroups: [\"\"]\n    resources: [configmaps]\n    resourceNames: [agent]\n    verbs: [get, list, create]\n");

        Assert.Multiple(() =>
        {
            Assert.That(rules.Allows(Call("get", "configmaps", ns: "x", name: "agent")), Is.True);
            Assert.That(rules.Allows(Call("get", "configmaps", ns: "x", name: "other")), Is.False);
            Assert.That(rules.Allows(Call("list", "configmaps", ns: "x")), Is.False);
            Assert.That(rules.Allows(Call("create", "configmaps", ns: "x")), Is.False);
        });
    }

    [Test]
    public void Grants_SeveralGroupsResourcesVerbs_EveryCombinationOnce()
    {
        var rules = Parse(
            "  - apiGroups: [\"\", apps]\n    resources: [pods, pods/eviction]\n    verbs: [get, create]\n"
            + "  - apiGroups: [\"\"]\n    resources: [pods]\n    verbs: [get]\n");

        Assert.That(rules.Grants, Is.EquivalentTo(new[]
        {
            ("", "pods", "get"), ("", "pods", "create"), ("", "pods/eviction", "get"), ("", "pods/eviction", "create"),
            ("apps", "pods", "get"), ("apps", "pods", "create"), ("apps", "pods/eviction", "get"), ("apps", "pods/eviction", "create"),
        }));
    }

    [Test]
    public void FromManifests_Base_TheRoleBoundToTheAgentsServiceAccount()
    {
        var rules = ClusterRoleRules.FromManifests();

        Assert.Multiple(() =>
        {
            Assert.That(rules.Name, Is.EqualTo("spotable-spot-agent"));
            Assert.That(rules.Rules, Is.Not.Empty);
        });
    }

    [Test]
    public void FromRendered_RoleNotBoundToTheAgent_Throws()
    {
        var objects = Kustomize.Parse(
            "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: r\nrules: []\n---\n"
            + "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata:\n  name: b\n"
            + "roleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: ClusterRole\n  name: r\n"
            + "subjects:\n  - kind: ServiceAccount\n    name: spot-agent\n    namespace: default\n", "inline");

        Assert.That(() => ClusterRoleRules.FromRendered(objects), Throws.InvalidOperationException.With.Message.Contains("spotable-system/spot-agent"));
    }
}
