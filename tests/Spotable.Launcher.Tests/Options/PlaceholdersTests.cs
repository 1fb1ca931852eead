using Spotable.Launcher.Options;

namespace Spotable.Launcher.Tests.Options;

public class PlaceholdersTests
{
    private static readonly Dictionary<string, int> Ports = new() { ["game"] = 27960, ["rcon"] = 28000 };
    private static readonly Dictionary<string, string> Values = new() { ["public_host"] = "ec2-1-2-3-4.compute.amazonaws.com", ["server_id"] = "games/arena-1" };

    [Test]
    public void Apply_PortPlaceholders_BecomeNumbers()
    {
        Assert.That(Placeholders.Apply("+set net_port {port:game} rcon={port:RCON}", Ports, Values), Is.EqualTo("+set net_port 27960 rcon=28000"));
    }

    [Test]
    public void Apply_ValuePlaceholders_AreReplaced()
    {
        Assert.That(Placeholders.Apply("host={public_host} id={server_id}", Ports, Values),
            Is.EqualTo("host=ec2-1-2-3-4.compute.amazonaws.com id=games/arena-1"));
    }

    [Test]
    public void Apply_OtherBraces_AreLeftAlone()
    {
        const string json = """{"port": {port:game}, "motd": "{not a placeholder}", "x": {}}""";

        Assert.That(Placeholders.Apply(json, Ports, Values), Is.EqualTo("""{"port": 27960, "motd": "{not a placeholder}", "x": {}}"""));
    }

    [Test]
    public void Validate_UndeclaredPort_Throws()
    {
        var declared = new[] { new PortRequest("game", PortProtocol.Udp) };

        Assert.DoesNotThrow(() => Placeholders.Validate("{port:game} {port:GAME}", declared, "x"));
        Assert.That(Assert.Throws<OptionsException>(() => Placeholders.Validate("a {port:query} b", declared, "template 't'"))!.Message,
            Does.StartWith("template 't' uses {port:query}"));
    }
}
