namespace Spotable.SpotAgent.Tests.Manifests;

/// <summary>A namespace's Pod Security level must admit the pods the same kustomization puts in it.</summary>
public class PodSecurityTests
{
    private static readonly string[] s_workloadKinds = ["DaemonSet", "Deployment", "StatefulSet", "Job"];

    public static IEnumerable<string> AllKustomizations() => Kustomize.Kustomizations();

    private static YamlValue AgentPodSpec() => Kustomize.Render("base").Single(o => o.Kind == "DaemonSet").PodSpec;

    [TestCaseSource(nameof(AllKustomizations))]
    public void Namespace_EnforcedLevel_AdmitsEveryPodOfTheKustomization(string kustomization)
    {
        var objects = Kustomize.Render(kustomization);
        var levels = objects.Where(o => o.Kind == "Namespace")
            .ToDictionary(o => o.Name!, o => o["metadata"]["labels"][PodSecurity.EnforceLabel].String ?? "privileged");
        var workloads = objects.Where(o => s_workloadKinds.Contains(o.Kind)).ToList();

        Assert.That(workloads, Is.Not.Empty);
        Assert.Multiple(() =>
        {
            foreach (var workload in workloads)
            {
                var level = levels.GetValueOrDefault(workload.Namespace!, "privileged");
                Assert.That(PodSecurity.Violations(level, workload.PodSpec), Is.Empty,
                    $"{workload}: the namespace enforces Pod Security {level}, which rejects its pods");
            }
        });
    }

    [Test]
    public void Violations_AgentPodUnderBaseline_HostNetworkRejected()
    {
        // What the base's namespace once enforced: every DaemonSet pod would have been refused at admission.
        Assert.That(PodSecurity.Violations("baseline", AgentPodSpec()), Is.EquivalentTo(new[] { "host namespaces", "hostPort" }));
    }

    [Test]
    public void Violations_AgentPodUnderRestricted_OnlyHostNetworkAndItsHostPort()
    {
        // Everything restricted asks for besides the host network is set on the agent's pod.
        Assert.That(PodSecurity.Violations("restricted", AgentPodSpec()), Is.EquivalentTo(new[] { "host namespaces", "hostPort" }));
    }

    [Test]
    public void Violations_RestrictedPodSpec_NoneAndEachWeakeningNamed()
    {
        const string compliant = "spec:\n  securityContext:\n    runAsNonRoot: true\n    seccompProfile:\n      type: RuntimeDefault\n"
            + "  containers:\n    - name: c\n      securityContext:\n        allowPrivilegeEscalation: false\n        capabilities:\n          drop: [ALL]\n"
            + "  volumes:\n    - name: tmp\n      emptyDir: {}\n";
        const string weakened = "spec:\n  hostPID: true\n  securityContext:\n    runAsUser: 0\n"
            + "  containers:\n    - name: c\n      securityContext:\n        privileged: true\n        capabilities:\n          add: [SYS_ADMIN]\n"
            + "      ports:\n        - containerPort: 80\n          hostPort: 80\n"
            + "  volumes:\n    - name: root\n      hostPath:\n        path: /\n";

        var good = Kustomize.Parse(compliant, "compliant").Single()["spec"];
        var bad = Kustomize.Parse(weakened, "weakened").Single()["spec"];

        Assert.Multiple(() =>
        {
            Assert.That(PodSecurity.Violations("restricted", good), Is.Empty);
            Assert.That(PodSecurity.Violations("baseline", bad), Is.EquivalentTo(new[] { "host namespaces", "privileged", "capabilities", "hostPath volumes", "hostPort" }));
            Assert.That(PodSecurity.Violations("restricted", bad), Is.SupersetOf(new[]
            {
                "restricted volume types", "allowPrivilegeEscalation != false", "runAsNonRoot != true", "runAsUser=0", "seccompProfile", "unrestricted capabilities",
            }));
            Assert.That(PodSecurity.Violations("privileged", bad), Is.Empty);
        });
    }
}
