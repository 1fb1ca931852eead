using System.Globalization;
using System.Text.RegularExpressions;

namespace Spotable.SpotAgent.Tests.Manifests;

/// <summary>The example game server: a Deployment whose entrypoint is the launcher, shaped for the spot-agent.</summary>
public class GameServerExampleTests
{
    private const string Overlay = "overlays/game-server-example";
    private const string RoleLabel = "spotable.io/role";
    private const string GameServer = "game-server";

    private static KubeObject Deployment() => Kustomize.Render(Overlay).Single(o => o.Kind == "Deployment");

    private static YamlValue GameContainer()
    {
        var deployment = Deployment();
        Assert.That(deployment.Containers, Has.Count.EqualTo(1), $"{deployment}: one container, the launcher and its game");
        return deployment.Containers[0];
    }

    private static TimeSpan ParseSeconds(string? duration)
    {
        var match = Regex.Match(duration ?? string.Empty, @"^(\d+)(s|m)$");
        Assert.That(match.Success, Is.True, $"duration {duration}");
        var value = int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        return match.Groups[2].Value == "m" ? TimeSpan.FromMinutes(value) : TimeSpan.FromSeconds(value);
    }

    [Test]
    public void Deployment_PodSpec_HostNetworkWithClusterDns()
    {
        var spec = Deployment().PodSpec;

        Assert.Multiple(() =>
        {
            Assert.That(spec["hostNetwork"].Bool, Is.True);
            Assert.That(spec["dnsPolicy"].String, Is.EqualTo("ClusterFirstWithHostNet"));
        });
    }

    [Test]
    public void Deployment_LeaseDir_AHostPathVolumeIsMountedWhereLauncherLeaseDirPoints()
    {
        var deployment = Deployment();
        var container = GameContainer();
        var leaseDir = container["env"].ItemWhere("name", "LAUNCHER_LEASE_DIR")["value"].String;

        Assert.That(leaseDir, Is.Not.Null.And.Not.Empty, "LAUNCHER_LEASE_DIR");
        var mount = container["volumeMounts"].ItemWhere("mountPath", leaseDir!);
        Assert.That(mount.Exists, Is.True, $"a volumeMount at {leaseDir}");
        var volume = deployment.PodSpec["volumes"].ItemWhere("name", mount["name"].String ?? string.Empty);
        Assert.Multiple(() =>
        {
            Assert.That(volume["hostPath"]["path"].String, Is.Not.Null.And.Not.Empty, "the leases are shared by every launcher on the node: a hostPath");
            Assert.That(mount["readOnly"].Bool, Is.Not.True, "the launcher writes its leases");
        });
    }

    [Test]
    public void Deployment_Env_PodAndNodeFromTheDownwardApi()
    {
        var env = GameContainer()["env"];

        Assert.Multiple(() =>
        {
            foreach (var (name, field) in new[] { ("POD_NAME", "metadata.name"), ("POD_NAMESPACE", "metadata.namespace"), ("POD_UID", "metadata.uid"), ("NODE_NAME", "spec.nodeName") })
            {
                Assert.That(env.ItemWhere("name", name)["valueFrom"]["fieldRef"]["fieldPath"].String, Is.EqualTo(field), name);
            }
        });
    }

    [Test]
    public void Deployment_Grace_AtLeast120SecondsAndLongerThanTheLaunchersOwn()
    {
        var grace = Deployment().PodSpec["terminationGracePeriodSeconds"].Integer;
        var launcherGrace = GameContainer()["env"].ItemWhere("name", "LAUNCHER_GRACE")["value"];

        Assert.That(grace, Is.GreaterThanOrEqualTo(120));
        if (launcherGrace.Exists)
        {
            // The launcher must reach its own deadline (SIGKILL to the game, "exited" published) before the kubelet's.
            Assert.That(ParseSeconds(launcherGrace.String), Is.LessThan(TimeSpan.FromSeconds(grace!.Value)));
        }
    }

    [Test]
    public void Deployment_PodMetadata_GameServerLabelTheAgentSelectsAndSafeToEvictFalse()
    {
        var deployment = Deployment();
        var agentSelector = Kustomize.Render("base").Single(o => o.Kind == "DaemonSet").Containers[0]["env"]
            .ItemWhere("name", "SPOT_AGENT_GAME_SELECTOR")["value"].String ?? "spotable.io/role=game-server"; // The agent's default.
        var safeToEvict = deployment.PodMetadata["annotations"]["cluster-autoscaler.kubernetes.io/safe-to-evict"];

        Assert.Multiple(() =>
        {
            Assert.That(deployment.PodMetadata["labels"][RoleLabel].String, Is.EqualTo(GameServer));
            Assert.That(agentSelector, Is.EqualTo($"{RoleLabel}={GameServer}"), "the agent finds the example's pods");
            Assert.That(safeToEvict.String, Is.EqualTo("false"));
            Assert.That(safeToEvict.IsQuotedString, Is.True, "annotation values are strings");
        });
    }

    [Test]
    public void Deployment_Affinity_PreferredPackingOnHostnameWithOtherGameServers()
    {
        var preferred = Deployment().PodSpec["affinity"]["podAffinity"]["preferredDuringSchedulingIgnoredDuringExecution"].Items;

        var packing = preferred.Where(p => p["weight"].Integer == 100
            && p["podAffinityTerm"]["topologyKey"].String == "kubernetes.io/hostname"
            && p["podAffinityTerm"]["labelSelector"]["matchLabels"][RoleLabel].String == GameServer).ToList();

        Assert.That(packing, Has.Count.EqualTo(1), string.Join(", ", preferred.Select(p => p.Path)));
    }

    [Test]
    public void Deployment_NodeSelector_OnlyNodesTheAgentRunsOn()
    {
        var games = Deployment().PodSpec["nodeSelector"].Entries.ToDictionary(kv => kv.Key, kv => kv.Value.String);
        var agent = Kustomize.Render("base").Single(o => o.Kind == "DaemonSet").PodSpec["nodeSelector"].Entries.ToDictionary(kv => kv.Key, kv => kv.Value.String);

        Assert.That(agent, Is.Not.Empty);
        Assert.That(games, Is.SupersetOf(agent), "a game on a node without the agent would get no warning before an interruption");
    }

    [Test]
    public void Deployment_Containers_NonRootWithEveryCapabilityDropped()
    {
        var deployment = Deployment();
        var pod = deployment.PodSpec["securityContext"];

        Assert.That(deployment.Containers, Is.Not.Empty);
        Assert.Multiple(() =>
        {
            Assert.That(pod["seccompProfile"]["type"].String, Is.EqualTo("RuntimeDefault"));
            foreach (var container in deployment.Containers)
            {
                var security = container["securityContext"];
                Assert.That(security["runAsNonRoot"].Bool ?? pod["runAsNonRoot"].Bool, Is.True, $"{container.Path}: runAsNonRoot");
                Assert.That(security["runAsUser"].Integer ?? pod["runAsUser"].Integer, Is.Not.EqualTo(0), $"{container.Path}: runAsUser");
                Assert.That(security["capabilities"]["drop"].Strings, Does.Contain("ALL"), $"{container.Path}: capabilities.drop");
                Assert.That(security["allowPrivilegeEscalation"].Bool, Is.False, $"{container.Path}: allowPrivilegeEscalation");
            }

            // The one root step (chmod of the hostPath the kubelet created as root) runs with no capability at all.
            foreach (var init in deployment.InitContainers)
            {
                var security = init["securityContext"];
                Assert.That(security["capabilities"]["drop"].Strings, Does.Contain("ALL"), $"{init.Path}: capabilities.drop");
                Assert.That(security["allowPrivilegeEscalation"].Bool, Is.False, $"{init.Path}: allowPrivilegeEscalation");
                Assert.That(security["capabilities"]["add"].Exists, Is.False, $"{init.Path}: capabilities.add");
            }
        });
    }

    [Test]
    public void Deployment_QueueUrl_TheQueueTheLauncherPolicyGrants()
    {
        var queueUrl = GameContainer()["env"].ItemWhere("name", "SPOTABLE_QUEUE_URL")["value"].String;
        using var policy = IamDocument.Load("launcher-policy.json");

        Assert.That(queueUrl, Is.Not.Null, "SPOTABLE_QUEUE_URL");
        Assert.That(IamDocument.QueueArnFromUrl(queueUrl!), Is.EqualTo(IamDocument.Strings(IamDocument.Statements(policy).Single(), "Resource").Single()));
    }

    [Test]
    public void ServiceAccount_GameServer_NoKubernetesApiToken()
    {
        var objects = Kustomize.Render(Overlay);
        var deployment = objects.Single(o => o.Kind == "Deployment");
        var serviceAccount = objects.Single(o => o.Kind == "ServiceAccount" && o.Name == deployment.PodSpec["serviceAccountName"].String);

        Assert.Multiple(() =>
        {
            Assert.That(serviceAccount.Namespace, Is.EqualTo(deployment.Namespace));
            Assert.That(serviceAccount["automountServiceAccountToken"].Bool, Is.False, "the launcher makes no Kubernetes API call");
            Assert.That(objects.Where(o => o.Kind is "Role" or "RoleBinding" or "ClusterRole" or "ClusterRoleBinding"), Is.Empty);
        });
    }
}
