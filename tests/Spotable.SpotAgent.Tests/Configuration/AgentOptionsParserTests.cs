using Spotable.SpotAgent.Configuration;

namespace Spotable.SpotAgent.Tests.Configuration;

public class AgentOptionsParserTests
{
    private static AgentOptions Parse(string[] args, Dictionary<string, string>? env = null) =>
        AgentOptionsParser.Parse(args, name => env is not null && env.TryGetValue(name, out var value) ? value : null)!;

    private static string Error(string[] args, Dictionary<string, string>? env = null) =>
        Assert.Throws<AgentOptionsException>(() => AgentOptionsParser.Parse(args, name => env is not null && env.TryGetValue(name, out var value) ? value : null))!.Message;

    [Test]
    public void Parse_OnlyNodeName_UsesDocumentedDefaults()
    {
        var options = Parse([], new() { ["NODE_NAME"] = "ip-10-0-0-1" });

        Assert.Multiple(() =>
        {
            Assert.That(options.NodeName, Is.EqualTo("ip-10-0-0-1"));
            Assert.That(options.PollInterval, Is.EqualTo(TimeSpan.FromSeconds(1)));
            Assert.That(options.SafetyMargin, Is.EqualTo(TimeSpan.FromSeconds(5)));
            Assert.That(options.GameSelector, Is.EqualTo("spotable.io/role=game-server"));
            Assert.That(options.RebalanceAction, Is.EqualTo(RebalanceAction.Cordon));
            Assert.That(options.DryRun, Is.False);
            Assert.That(options.QueueUrl, Is.Null);
            Assert.That(options.Listen, Is.EqualTo("0.0.0.0:9464"));
        });
    }

    [Test]
    public void Parse_ArgumentsOverEnvironment_ArgumentsWin()
    {
        var options = Parse(["--node", "a", "--poll-interval", "2s", "--rebalance-action", "drain", "--dry-run", "--safety-margin=0"],
            new() { ["NODE_NAME"] = "b", ["SPOT_AGENT_POLL_INTERVAL"] = "5s", ["POD_NAME"] = "agent-x", ["POD_NAMESPACE"] = "spotable-system" });

        Assert.That(options.NodeName, Is.EqualTo("a"));
        Assert.That(options.PollInterval, Is.EqualTo(TimeSpan.FromSeconds(2)));
        Assert.That(options.RebalanceAction, Is.EqualTo(RebalanceAction.Drain));
        Assert.That(options.DryRun, Is.True);
        Assert.That(options.SafetyMargin, Is.EqualTo(TimeSpan.Zero));
        Assert.That((options.PodNamespace, options.PodName), Is.EqualTo(("spotable-system", "agent-x")));
    }

    [Test]
    public void Parse_Help_ReturnsNull()
    {
        Assert.That(AgentOptionsParser.Parse(["--help"], _ => null), Is.Null);
    }

    [TestCase(new string[0], null, "NODE_NAME is required")]
    [TestCase(new[] { "--node", "n", "--poll-interval", "0" }, null, "bad duration for --poll-interval")]
    [TestCase(new[] { "--node", "n", "--poll-interval", "1m" }, null, "too long")]
    [TestCase(new[] { "--node", "n", "--rebalance-action", "panic" }, null, "bad rebalance action 'panic'")]
    [TestCase(new[] { "--node", "n", "--queue-url", "nope" }, null, "bad queue URL")]
    [TestCase(new[] { "--node", "n", "--listen", "9464" }, null, "bad listen address")]
    [TestCase(new[] { "--node", "n", "--bogus" }, null, "unknown option --bogus")]
    [TestCase(new[] { "--node" }, null, "option --node needs a value")]
    [TestCase(new[] { "--node", "n" }, "maybe", "bad SPOT_AGENT_DRY_RUN 'maybe'")]
    public void Parse_BadInput_OneClearLine(string[] args, string? dryRunEnv, string expected)
    {
        var env = dryRunEnv is null ? null : new Dictionary<string, string> { ["SPOT_AGENT_DRY_RUN"] = dryRunEnv };

        var message = Error(args, env);

        Assert.That(message, Does.Contain(expected));
        Assert.That(message, Does.Not.Contain('\n'));
    }
}
