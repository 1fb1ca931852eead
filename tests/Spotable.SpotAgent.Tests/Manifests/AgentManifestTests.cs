namespace Spotable.SpotAgent.Tests.Manifests;

/// <summary>
/// What the base installs, checked in the base and again in every overlay built on it (an overlay's patch must not
/// lose any of it).
/// </summary>
public class AgentManifestTests
{
    private const string Namespace = "spotable-system";

    public static IEnumerable<string> AgentKustomizations() => Kustomize.AgentKustomizations();

    private static KubeObject Single(string kustomization, string kind)
    {
        var matches = Kustomize.Render(kustomization).Where(o => o.Kind == kind).ToList();
        Assert.That(matches, Has.Count.EqualTo(1), $"{kustomization}: exactly one {kind}");
        return matches[0];
    }

    private static YamlValue AgentContainer(string kustomization)
    {
        var daemonSet = Single(kustomization, "DaemonSet");
        Assert.That(daemonSet.Containers, Has.Count.EqualTo(1), $"{daemonSet}: one container");
        return daemonSet.Containers[0];
    }

    [Test]
    public void AgentKustomizations_Discovered_BaseAndTheCredentialOverlays()
    {
        Assert.That(Kustomize.AgentKustomizations(), Is.SupersetOf(new[] { "base", "overlays/dry-run", "overlays/irsa", "overlays/node-role" }));
    }

    [TestCaseSource(nameof(AgentKustomizations))]
    public void Namespace_Rendered_SpotableSystem(string kustomization)
    {
        var ns = Single(kustomization, "Namespace");

        Assert.That(ns.Name, Is.EqualTo(Namespace));
    }

    [TestCaseSource(nameof(AgentKustomizations))]
    public void ClusterRoleBinding_Rendered_BindsTheClusterRoleToTheDaemonSetsServiceAccount(string kustomization)
    {
        var serviceAccount = Single(kustomization, "ServiceAccount");
        var role = Single(kustomization, "ClusterRole");
        var binding = Single(kustomization, "ClusterRoleBinding");
        var daemonSet = Single(kustomization, "DaemonSet");

        Assert.Multiple(() =>
        {
            Assert.That(serviceAccount.Namespace, Is.EqualTo(Namespace));
            Assert.That(daemonSet.Namespace, Is.EqualTo(Namespace));
            Assert.That(daemonSet.PodSpec["serviceAccountName"].String, Is.EqualTo(serviceAccount.Name));
            Assert.That(binding["roleRef"]["apiGroup"].String, Is.EqualTo("rbac.authorization.k8s.io"));
            Assert.That(binding["roleRef"]["kind"].String, Is.EqualTo("ClusterRole"));
            Assert.That(binding["roleRef"]["name"].String, Is.EqualTo(role.Name));
            var subjects = binding["subjects"].Items;
            Assert.That(subjects, Has.Count.EqualTo(1), "the role is bound to the agent alone");
            Assert.That(subjects[0]["kind"].String, Is.EqualTo("ServiceAccount"));
            Assert.That(subjects[0]["name"].String, Is.EqualTo(serviceAccount.Name));
            Assert.That(subjects[0]["namespace"].String, Is.EqualTo(Namespace));
        });
    }

    [TestCaseSource(nameof(AgentKustomizations))]
    public void DaemonSet_PodSpec_HostNetworkWithClusterDnsOnEveryNodeItMustServe(string kustomization)
    {
        var spec = Single(kustomization, "DaemonSet").PodSpec;

        Assert.Multiple(() =>
        {
            // IMDSv2's default hop limit of 1 does not reach the pod network.
            Assert.That(spec["hostNetwork"].Bool, Is.True, "hostNetwork");
            Assert.That(spec["dnsPolicy"].String, Is.EqualTo("ClusterFirstWithHostNet"), "dnsPolicy");
            Assert.That(spec["priorityClassName"].String, Is.EqualTo("system-node-critical"), "priorityClassName");
            // Tolerate every taint (cordon, the agent's own taints, not-ready): an operator Exists toleration with no key.
            Assert.That(spec["tolerations"].Items.Any(t => t["operator"].String == "Exists" && !t["key"].Exists && !t["effect"].Exists), Is.True,
                "a toleration { operator: Exists } without key or effect");
            Assert.That(spec["nodeSelector"].Entries, Is.Not.Empty, "nodeSelector (Spot nodes)");
        });
    }

    [TestCaseSource(nameof(AgentKustomizations))]
    public void DaemonSet_Env_NodeAndPodFromTheDownwardApi(string kustomization)
    {
        var env = AgentContainer(kustomization)["env"];

        Assert.Multiple(() =>
        {
            foreach (var (name, field) in new[] { ("NODE_NAME", "spec.nodeName"), ("POD_NAME", "metadata.name"), ("POD_NAMESPACE", "metadata.namespace") })
            {
                var variable = env.ItemWhere("name", name);
                Assert.That(variable["valueFrom"]["fieldRef"]["fieldPath"].String, Is.EqualTo(field), variable.Path);
                Assert.That(variable["value"].Exists, Is.False, $"{variable.Path}: no literal value beside valueFrom");
            }
        });
    }

    [TestCaseSource(nameof(AgentKustomizations))]
    public void DaemonSet_SecurityContexts_NonRootSeccompReadOnlyNoEscalationNoCapabilities(string kustomization)
    {
        var daemonSet = Single(kustomization, "DaemonSet");
        var pod = daemonSet.PodSpec["securityContext"];
        var container = AgentContainer(kustomization)["securityContext"];

        Assert.Multiple(() =>
        {
            Assert.That(pod["runAsNonRoot"].Bool, Is.True, $"{pod.Path}.runAsNonRoot");
            Assert.That(pod["runAsUser"].Integer ?? container["runAsUser"].Integer, Is.Not.Null.And.Not.EqualTo(0), "runAsUser");
            Assert.That(pod["seccompProfile"]["type"].String, Is.EqualTo("RuntimeDefault"), $"{pod.Path}.seccompProfile.type");
            Assert.That(container["allowPrivilegeEscalation"].Bool, Is.False, $"{container.Path}.allowPrivilegeEscalation");
            Assert.That(container["readOnlyRootFilesystem"].Bool, Is.True, $"{container.Path}.readOnlyRootFilesystem");
            Assert.That(container["capabilities"]["drop"].Strings, Does.Contain("ALL"), $"{container.Path}.capabilities.drop");
            Assert.That(container["runAsNonRoot"].Bool, Is.Not.False, "the container does not undo the pod's runAsNonRoot");
            Assert.That(daemonSet.PodSpec["hostPID"].Bool, Is.Not.True, "hostPID");
            Assert.That(daemonSet.PodSpec["hostIPC"].Bool, Is.Not.True, "hostIPC");
            Assert.That(daemonSet.PodSpec["volumes"].Items.Where(v => v["hostPath"].Exists), Is.Empty, "no hostPath volumes");
        });
    }

    [TestCaseSource(nameof(AgentKustomizations))]
    public void DaemonSet_Resources_RequestsAndAMemoryLimit(string kustomization)
    {
        var resources = AgentContainer(kustomization)["resources"];

        Assert.Multiple(() =>
        {
            Assert.That(resources["requests"]["cpu"].String, Is.Not.Null.And.Not.Empty, "requests.cpu");
            Assert.That(resources["requests"]["memory"].String, Is.Not.Null.And.Not.Empty, "requests.memory");
            Assert.That(resources["limits"]["memory"].String, Is.Not.Null.And.Not.Empty, "limits.memory");
        });
    }

    [TestCaseSource(nameof(AgentKustomizations))]
    public void DaemonSet_Probes_HealthzAndReadyzOnTheNamedMetricsPortWhichIsAnnotated(string kustomization)
    {
        var daemonSet = Single(kustomization, "DaemonSet");
        var container = AgentContainer(kustomization);
        var metrics = container["ports"].ItemWhere("name", "metrics");
        var annotations = daemonSet.PodMetadata["annotations"];

        Assert.Multiple(() =>
        {
            Assert.That(metrics["containerPort"].Integer, Is.InRange(1, 65535), metrics.Path);
            Assert.That(container["livenessProbe"]["httpGet"]["path"].String, Is.EqualTo("/healthz"));
            Assert.That(container["livenessProbe"]["httpGet"]["port"].String, Is.EqualTo("metrics"));
            Assert.That(container["readinessProbe"]["httpGet"]["path"].String, Is.EqualTo("/readyz"));
            Assert.That(container["readinessProbe"]["httpGet"]["port"].String, Is.EqualTo("metrics"));
            Assert.That(annotations["prometheus.io/scrape"].String, Is.EqualTo("true"));
            Assert.That(annotations["prometheus.io/port"].String, Is.EqualTo(metrics["containerPort"].String), "the annotated port is the metrics port");
            Assert.That(annotations["prometheus.io/path"].String, Is.EqualTo("/metrics"));
        });
    }

    [TestCaseSource(nameof(AgentKustomizations))]
    public void DaemonSet_Listen_OnTheMetricsPort(string kustomization)
    {
        var container = AgentContainer(kustomization);
        var port = container["ports"].ItemWhere("name", "metrics")["containerPort"].String;
        var args = container["args"].Strings.ToList();
        var listen = args.IndexOf("--listen") is var i and >= 0 && i + 1 < args.Count
            ? args[i + 1]
            : container["env"].ItemWhere("name", "SPOT_AGENT_LISTEN")["value"].String ?? "0.0.0.0:9464"; // The agent's default.

        Assert.That(listen, Does.EndWith(":" + port), "the probes and the scrape reach the port the agent listens on");
    }

    [Test]
    public void DaemonSet_Base_NoQueueNoDryRunNoRoleAnnotation()
    {
        var env = AgentContainer("base")["env"];

        Assert.Multiple(() =>
        {
            Assert.That(env.ItemWhere("name", "SPOT_AGENT_DRY_RUN").Exists, Is.False);
            Assert.That(env.ItemWhere("name", "SPOTABLE_QUEUE_URL").Exists, Is.False, "the overlays say which queue");
            Assert.That(Single("base", "ServiceAccount")["metadata"]["annotations"]["eks.amazonaws.com/role-arn"].Exists, Is.False);
        });
    }
}
