namespace Spotable.SpotAgent.Tests.Manifests;

/// <summary>What each agent overlay adds to the base: dry-run, and credentials from IRSA or from the node role.</summary>
public class OverlayManifestTests
{
    private static KubeObject Single(string kustomization, string kind) =>
        Kustomize.Render(kustomization).Single(o => o.Kind == kind);

    private static YamlValue Env(string kustomization) => Single(kustomization, "DaemonSet").Containers[0]["env"];

    private static string SpotAgentPolicyQueueArn()
    {
        using var policy = IamDocument.Load("spot-agent-policy.json");
        return IamDocument.Strings(IamDocument.Statements(policy).Single(), "Resource").Single();
    }

    [Test]
    public void DryRun_DaemonSet_SpotAgentDryRunTrue()
    {
        var dryRun = Env("overlays/dry-run").ItemWhere("name", "SPOT_AGENT_DRY_RUN")["value"];

        Assert.Multiple(() =>
        {
            Assert.That(dryRun.String, Is.EqualTo("true"));
            Assert.That(dryRun.IsQuotedString, Is.True, "an env value must be a string; a plain true is rejected by the API server");
        });
    }

    [Test]
    public void Irsa_ServiceAccount_AnnotatedWithAnIamRoleArn()
    {
        var serviceAccount = Single("overlays/irsa", "ServiceAccount");

        Assert.That(serviceAccount["metadata"]["annotations"]["eks.amazonaws.com/role-arn"].String,
            Does.Match(@"^arn:aws:iam::\d{12}:role/[\w+=,.@/-]+$"));
    }

    [TestCase("overlays/irsa")]
    [TestCase("overlays/node-role")]
    public void CredentialOverlays_DaemonSet_QueueUrlNamesTheQueueTheAgentPolicyGrants(string kustomization)
    {
        var queueUrl = Env(kustomization).ItemWhere("name", "SPOTABLE_QUEUE_URL")["value"].String;

        Assert.That(queueUrl, Is.Not.Null, "SPOTABLE_QUEUE_URL");
        Assert.Multiple(() =>
        {
            Assert.That(queueUrl, Does.EndWith(".fifo"), "the agent publishes with a message group id: a FIFO queue");
            Assert.That(IamDocument.QueueArnFromUrl(queueUrl!), Is.EqualTo(SpotAgentPolicyQueueArn()), "manifests/iam/spot-agent-policy.json");
        });
    }

    [Test]
    public void NodeRole_ServiceAccount_NoRoleAnnotation()
    {
        var serviceAccount = Single("overlays/node-role", "ServiceAccount");

        Assert.That(serviceAccount["metadata"]["annotations"]["eks.amazonaws.com/role-arn"].Exists, Is.False);
    }

    [TestCase("overlays/irsa")]
    [TestCase("overlays/node-role")]
    public void CredentialOverlays_DaemonSet_NotDryRun(string kustomization)
    {
        Assert.That(Env(kustomization).ItemWhere("name", "SPOT_AGENT_DRY_RUN").Exists, Is.False);
    }
}
