using System.Text.Json;

namespace Spotable.SpotAgent.Tests.Manifests;

/// <summary>manifests/iam: least-privilege policies for the publishers, and the FIFO queue they publish to.</summary>
public class IamPolicyTests
{
    public static IEnumerable<string> PolicyFiles() =>
        Directory.GetFiles(IamDocument.Directory, "*-policy.json").Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal);

    [TestCase("launcher-policy.json")]
    [TestCase("spot-agent-policy.json")]
    public void PublisherPolicy_Allows_ExactlySendMessageAndGetQueueUrlOnOneQueue(string file)
    {
        using var policy = IamDocument.Load(file);
        var statements = IamDocument.Statements(policy);
        var actions = statements.SelectMany(s => IamDocument.Strings(s, "Action")).ToList();
        var resources = statements.SelectMany(s => IamDocument.Strings(s, "Resource")).Distinct().ToList();

        Assert.Multiple(() =>
        {
            Assert.That(policy.RootElement.GetProperty("Version").GetString(), Is.EqualTo("2012-10-17"));
            Assert.That(statements.Select(s => s.GetProperty("Effect").GetString()), Has.All.EqualTo("Allow"));
            Assert.That(actions, Is.EquivalentTo(new[] { "sqs:SendMessage", "sqs:GetQueueUrl" }));
            Assert.That(actions, Has.None.Contains("*"));
            Assert.That(actions, Has.None.Contains("Receive").And.None.Contains("Delete"), "publishers do not consume");
            Assert.That(resources, Has.Count.EqualTo(1), "one queue");
            Assert.That(resources, Has.All.Match(@"^arn:aws:sqs:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,75}\.fifo$"), "a FIFO queue ARN, no wildcard");
            Assert.That(statements.Where(s => s.TryGetProperty("NotAction", out _) || s.TryGetProperty("NotResource", out _)), Is.Empty);
        });
    }

    [Test]
    public void EveryPolicy_Resources_TheOneQueueOfTheInstall()
    {
        var resources = PolicyFiles().SelectMany(file =>
        {
            using var policy = IamDocument.Load(file);
            return IamDocument.Statements(policy).SelectMany(s => IamDocument.Strings(s, "Resource")).ToList();
        }).Distinct().ToList();

        // README, install: one FIFO queue; the launcher and the agent publish to it, the matchmaker reads it.
        Assert.That(resources, Has.Count.EqualTo(1), string.Join(", ", resources));
    }

    [TestCaseSource(nameof(PolicyFiles))]
    public void EveryPolicy_Statements_NoWildcardActionOrResource(string file)
    {
        using var policy = IamDocument.Load(file);
        var statements = IamDocument.Statements(policy);

        Assert.That(statements, Is.Not.Empty);
        Assert.Multiple(() =>
        {
            foreach (var statement in statements)
            {
                Assert.That(IamDocument.Strings(statement, "Action"), Is.Not.Empty.And.None.Contains("*"), $"{file}: Action");
                Assert.That(IamDocument.Strings(statement, "Resource"), Is.Not.Empty.And.None.Contains("*"), $"{file}: Resource");
            }
        });
    }

    [Test]
    public void QueueFifo_Attributes_FifoQueueTrueAndEveryValueAString()
    {
        using var queue = IamDocument.Load("queue-fifo.json");
        var attributes = queue.RootElement.EnumerateObject().ToList();

        Assert.Multiple(() =>
        {
            Assert.That(queue.RootElement.GetProperty("FifoQueue").GetString(), Is.EqualTo("true"));
            // `aws sqs create-queue --attributes file://...` takes a map of strings: a JSON true or 3600 is rejected.
            Assert.That(attributes.Where(a => a.Value.ValueKind != JsonValueKind.String).Select(a => a.Name), Is.Empty);
        });
    }
}
