using Spotable.Common.Configuration;
using Spotable.Launcher.Options;

namespace Spotable.Launcher.Tests.Options;

public class LauncherOptionsParserTests
{
    private static LauncherOptions Parse(string[] args, Dictionary<string, string>? env = null) =>
        LauncherOptionsParser.Parse(args, name => env is not null && env.TryGetValue(name, out var value) ? value : null);

    private static string ParseError(string[] args, Dictionary<string, string>? env = null) =>
        Assert.Throws<OptionsException>(() => Parse(args, env))!.Message;

    [Test]
    public void Parse_PortsWithProtocols_DefaultsToBoth()
    {
        var options = Parse(["--port", "game:udp", "-p", "rcon:tcp", "--port=query", "--", "srv", "-x"]);

        Assert.That(options.Ports, Is.EqualTo(new[]
        {
            new PortRequest("game", PortProtocol.Udp),
            new PortRequest("rcon", PortProtocol.Tcp),
            new PortRequest("query", PortProtocol.Both),
        }));
        Assert.That(options.Command, Is.EqualTo(new[] { "srv", "-x" }));
    }

    [Test]
    public void Parse_EnvironmentOnly_ReadsEveryOption()
    {
        var options = Parse(["--", "srv"], new()
        {
            ["LAUNCHER_PORTS"] = "game:udp, rcon:tcp",
            ["LAUNCHER_PORT_RANGE"] = "7000-8000",
            ["LAUNCHER_LEASE_DIR"] = "/var/lib/spotable/ports",
            ["LAUNCHER_RENDER"] = "/etc/t.tpl:/srv/t.cfg",
            ["LAUNCHER_GRACE"] = "2m",
            ["LAUNCHER_READY_TIMEOUT"] = "30",
            ["LAUNCHER_FLUSH_TIMEOUT"] = "500ms",
            ["SPOTABLE_QUEUE_URL"] = "https://sqs.eu-west-1.amazonaws.com/123456789012/games.fifo",
            ["PUBLIC_HOST"] = "play.example.com",
            ["POD_NAME"] = "arena-1",
            ["POD_NAMESPACE"] = "games",
            ["POD_UID"] = "u-1",
            ["NODE_NAME"] = "ip-10-0-0-1",
        });

        Assert.Multiple(() =>
        {
            Assert.That(options.Ports.Select(p => p.Name), Is.EqualTo(new[] { "game", "rcon" }));
            Assert.That(options.PortRange, Is.EqualTo(new PortRange(7000, 8000)));
            Assert.That(options.LeaseDirectory, Is.EqualTo("/var/lib/spotable/ports"));
            Assert.That(options.Renders, Is.EqualTo(new[] { new RenderRequest("/etc/t.tpl", "/srv/t.cfg") }));
            Assert.That(options.Grace, Is.EqualTo(TimeSpan.FromMinutes(2)));
            Assert.That(options.ReadyTimeout, Is.EqualTo(TimeSpan.FromSeconds(30)));
            Assert.That(options.FlushTimeout, Is.EqualTo(TimeSpan.FromMilliseconds(500)));
            Assert.That(options.QueueUrl, Does.EndWith("games.fifo"));
            Assert.That(options.PublicHost, Is.EqualTo("play.example.com"));
            Assert.That(options.Pod, Is.EqualTo(new PodIdentity("arena-1", "games", "u-1", "ip-10-0-0-1")));
        });
    }

    [Test]
    public void Parse_ArgumentAndEnvironment_ArgumentWins()
    {
        var options = Parse(["--grace", "10s", "--port", "a", "--", "srv"], new() { ["LAUNCHER_GRACE"] = "99", ["LAUNCHER_PORTS"] = "b,c" });

        Assert.That(options.Grace, Is.EqualTo(TimeSpan.FromSeconds(10)));
        Assert.That(options.Ports.Select(p => p.Name), Is.EqualTo(new[] { "a" }));
    }

    [Test]
    public void Parse_Defaults_AreDocumentedValues()
    {
        var options = Parse(["srv"]);

        Assert.Multiple(() =>
        {
            Assert.That(options.Grace, Is.EqualTo(TimeSpan.FromSeconds(120)));
            Assert.That(options.ReadyTimeout, Is.EqualTo(TimeSpan.FromSeconds(60)));
            Assert.That(options.FlushTimeout, Is.EqualTo(TimeSpan.FromSeconds(5)));
            Assert.That(options.PortRange, Is.Null);
            Assert.That(options.QueueUrl, Is.Null);
            Assert.That(options.LeaseDirectory, Is.EqualTo(LauncherOptions.DefaultLeaseDirectory));
            Assert.That(options.Command, Is.EqualTo(new[] { "srv" }));
        });
    }

    [Test]
    public void Parse_FirstNonOption_StartsTheCommand()
    {
        var options = Parse(["--grace", "5", "srv", "--port", "x"]);

        Assert.That(options.Command, Is.EqualTo(new[] { "srv", "--port", "x" }));
        Assert.That(options.Ports, Is.Empty);
    }

    [TestCase(new[] { "--bogus", "--", "srv" }, "unknown option --bogus")]
    [TestCase(new[] { "--grace" }, "option --grace needs a value")]
    [TestCase(new[] { "--grace", "soon", "--", "srv" }, "bad duration for --grace: 'soon'")]
    [TestCase(new[] { "--grace", "-5", "--", "srv" }, "bad duration for --grace")]
    [TestCase(new[] { "--port", "game:sctp", "--", "srv" }, "protocol must be udp, tcp or both")]
    [TestCase(new[] { "--port", "Bad Name", "--", "srv" }, "bad port 'Bad Name'")]
    [TestCase(new[] { "--port", "a", "--port", "A", "--", "srv" }, "port 'a' is declared twice")]
    [TestCase(new[] { "--port-range", "9000-8000", "--", "srv" }, "bad port range '9000-8000'")]
    [TestCase(new[] { "--port-range", "0-10", "--", "srv" }, "bad port range")]
    [TestCase(new[] { "--port-range", "1-70000", "--", "srv" }, "bad port range")]
    [TestCase(new[] { "--render", "only-source", "--", "srv" }, "bad render 'only-source': expected SRC:DEST")]
    [TestCase(new[] { "--queue-url", "not a url", "--", "srv" }, "bad queue URL")]
    [TestCase(new[] { "--log-level", "loud", "--", "srv" }, "bad log level 'loud'")]
    [TestCase(new[] { "--port", "game" }, "no command given")]
    [TestCase(new[] { "--port", "game", "--", "srv", "+set", "net_port", "{port:gmae}" }, "uses {port:gmae} but no port 'gmae' is declared")]
    public void Parse_BadInput_ThrowsOneClearLine(string[] args, string expected)
    {
        var message = ParseError(args);

        Assert.That(message, Does.Contain(expected));
        Assert.That(message, Does.Not.Contain('\n'));
    }

    [Test]
    public void Parse_BadEnvironment_ThrowsNamingTheValue()
    {
        Assert.That(ParseError(["srv"], new() { ["LAUNCHER_PORT_RANGE"] = "high-low" }), Does.Contain("'high-low'"));
        Assert.That(ParseError(["srv"], new() { ["LAUNCHER_PORTS"] = "game:icmp" }), Does.Contain("game:icmp"));
    }

    [Test]
    public void Parse_Help_NeedsNoCommand()
    {
        Assert.That(Parse(["--help"]).ShowHelp, Is.True);
        Assert.That(Parse(["--version"]).ShowVersion, Is.True);
    }

    [Test]
    public void EnvironmentVariable_NameWithDashes_IsUpperCaseWithUnderscores()
    {
        Assert.That(new PortRequest("game-query", PortProtocol.Udp).EnvironmentVariable, Is.EqualTo("PORT_GAME_QUERY"));
    }

    [TestCase("90", 90)]
    [TestCase("90s", 90)]
    [TestCase("2m", 120)]
    [TestCase("1h", 3600)]
    [TestCase("1500ms", 1.5)]
    [TestCase(" 7s ", 7)]
    public void TryParse_Duration_Parses(string text, double seconds)
    {
        Assert.That(Duration.TryParse(text, out var value), Is.True);
        Assert.That(value, Is.EqualTo(TimeSpan.FromSeconds(seconds)));
    }

    [TestCase("")]
    [TestCase("s")]
    [TestCase("1.5s")]
    [TestCase("2d")]
    [TestCase("-1")]
    [TestCase("99999999999")]
    public void TryParse_BadDuration_Fails(string text)
    {
        Assert.That(Duration.TryParse(text, out _), Is.False);
    }
}
