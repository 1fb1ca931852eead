using Spotable.SpotAgent.Tests.Manifests;
using Spotable.Testing.FakeKube;

namespace Spotable.SpotAgent.Tests.Rbac;

/// <summary>
/// The rules of a ClusterRole, evaluated as the API server's RBAC authorizer evaluates one rule
/// (k8s.io/kubernetes pkg/apis/rbac/v1/evaluation_helpers.go, RuleAllows): verb, API group, resource (exact
/// "resource/subresource", "*" or "*/subresource") and resourceNames for a resource request; verb and nonResourceURLs
/// (exact or a trailing "*" prefix) for a non-resource URL. A call is allowed when any rule allows it.
/// </summary>
internal sealed class ClusterRoleRules
{
    public const string AgentServiceAccount = "spot-agent";
    public const string AgentNamespace = "spotable-system";

    private static readonly Lazy<ClusterRoleRules> s_fromManifests = new(() => FromRendered(Kustomize.Render("base")));

    public ClusterRoleRules(string name, IReadOnlyList<PolicyRule> rules)
    {
        Name = name;
        Rules = rules;
    }

    public string Name { get; }

    public IReadOnlyList<PolicyRule> Rules { get; }

    /// <summary>Every (group, resource, verb) the rules name, with "pods/eviction"-style resources; wildcards as written.</summary>
    public IEnumerable<(string Group, string Resource, string Verb)> Grants =>
        Rules.SelectMany(r => r.ApiGroups.SelectMany(g => r.Resources.SelectMany(res => r.Verbs.Select(v => (g, res, v))))).Distinct();

    /// <summary>
    /// The ClusterRole that manifests/base binds to the agent's ServiceAccount, rendered with kubectl once per test run.
    /// </summary>
    public static ClusterRoleRules FromManifests() => s_fromManifests.Value;

    /// <summary>The ClusterRole bound (by a ClusterRoleBinding) to the agent's ServiceAccount among rendered objects.</summary>
    public static ClusterRoleRules FromRendered(IReadOnlyList<KubeObject> objects)
    {
        var bound = objects
            .Where(o => o.Kind == "ClusterRoleBinding" && o["roleRef"]["kind"].String == "ClusterRole"
                && o["subjects"].Items.Any(s => s["kind"].String == "ServiceAccount" && s["name"].String == AgentServiceAccount && s["namespace"].String == AgentNamespace))
            .Select(o => o["roleRef"]["name"].String)
            .Distinct()
            .ToList();
        if (bound.Count != 1)
        {
            throw new InvalidOperationException($"expected one ClusterRole bound to {AgentNamespace}/{AgentServiceAccount}, found {bound.Count}");
        }

        var role = objects.SingleOrDefault(o => o.Kind == "ClusterRole" && o.Name == bound[0])
            ?? throw new InvalidOperationException($"ClusterRole {bound[0]} is bound but not rendered");
        return FromClusterRole(role);
    }

    public static ClusterRoleRules FromClusterRole(KubeObject clusterRole)
    {
        if (clusterRole.Kind != "ClusterRole" || clusterRole.ApiVersion != "rbac.authorization.k8s.io/v1")
        {
            throw new ArgumentException($"{clusterRole} is not an rbac.authorization.k8s.io/v1 ClusterRole", nameof(clusterRole));
        }

        if (clusterRole["aggregationRule"].Exists)
        {
            // The controller would replace the rules with those of other roles: what this role grants is not in it.
            throw new ArgumentException($"{clusterRole} aggregates other roles", nameof(clusterRole));
        }

        var rules = clusterRole["rules"].Items.Select(r => new PolicyRule(
            r["apiGroups"].Strings,
            r["resources"].Strings,
            r["verbs"].Strings,
            r["resourceNames"].Strings,
            r["nonResourceURLs"].Strings)).ToList();
        return new ClusterRoleRules(clusterRole.Name!, rules);
    }

    public bool Allows(ApiCall call) => Rules.Any(rule => RuleAllows(rule, call));

    private static bool RuleAllows(PolicyRule rule, ApiCall call)
    {
        if (!rule.Verbs.Any(v => v == "*" || v == call.Verb))
        {
            return false;
        }

        if (call.IsNonResourceUrl)
        {
            return rule.NonResourceUrls.Any(url => url == "*" || url == call.Resource
                || (url.EndsWith('*') && call.Resource.StartsWith(url.TrimEnd('*'), StringComparison.Ordinal)));
        }

        return rule.ApiGroups.Any(g => g == "*" || g == call.Group)
            && rule.Resources.Any(r => r == "*" || r == call.RbacResource || (call.Subresource is { } sub && r == "*/" + sub))
            && (rule.ResourceNames.Count == 0 || (call.Name is { } name && rule.ResourceNames.Contains(name)));
    }
}
