using System.Text.Json;
using Spotable.Common.Events;

namespace Spotable.Common.Tests.Events;

/// <summary>The wire form of <c>spotable.gameserver/v1</c>: users script against it, so it is pinned byte for byte.</summary>
public class GameServerEventTests
{
    private static readonly Dictionary<string, PortBinding> Ports = new()
    {
        ["game"] = new PortBinding(27960, "udp"),
        ["rcon"] = new PortBinding(28001, "tcp"),
    };

    private static GameServerEvent Event(string type) => new()
    {
        Type = type,
        ServerId = "games/arena-7d9f",
        Time = RfcTime.Format(new DateTimeOffset(2026, 11, 21, 17, 11, 44, 123, TimeSpan.FromHours(2))),
        PublicHost = "ec2-3-120-1-2.eu-central-1.compute.amazonaws.com",
        PublicIp = "3.120.1.2",
        InstanceId = "i-0abc123def4567890",
        Region = "eu-central-1",
        Zone = "eu-central-1a",
        Lifecycle = "spot",
        Node = "ip-10-0-1-23.eu-central-1.compute.internal",
        Ports = Ports,
    };

    private static string Json(GameServerEvent e) => JsonSerializer.Serialize(e, EventJsonContext.Default.GameServerEvent);

    [Test]
    public void Serialize_Ready_MatchesGolden()
    {
        Assert.That(Json(Event(GameServerEventTypes.Ready) with { PortsVerified = true }), Is.EqualTo(
            """{"schema":"spotable.gameserver/v1","type":"ready","serverId":"games/arena-7d9f","time":"2026-11-21T15:11:44.123Z","publicHost":"ec2-3-120-1-2.eu-central-1.compute.amazonaws.com","publicIp":"3.120.1.2","instanceId":"i-0abc123def4567890","region":"eu-central-1","zone":"eu-central-1a","lifecycle":"spot","node":"ip-10-0-1-23.eu-central-1.compute.internal","ports":{"game":{"port":27960,"protocol":"udp"},"rcon":{"port":28001,"protocol":"tcp"}},"portsVerified":true}"""));
    }

    [Test]
    public void Serialize_Terminating_HasDeadlineAndNoExitCode()
    {
        var json = Json(Event(GameServerEventTypes.Terminating) with { Deadline = "2026-11-21T15:13:44.123Z" });

        Assert.That(json, Does.EndWith(""","ports":{"game":{"port":27960,"protocol":"udp"},"rcon":{"port":28001,"protocol":"tcp"}},"deadline":"2026-11-21T15:13:44.123Z"}"""));
        Assert.That(json, Does.Not.Contain("exitCode").And.Not.Contain("portsVerified"));
    }

    [Test]
    public void Serialize_ExitedOffAws_KeepsNullFieldsAndExitCode()
    {
        var json = Json(Event(GameServerEventTypes.Exited) with { InstanceId = null, Region = null, Zone = null, Lifecycle = null, Node = null, ExitCode = 143 });

        Assert.That(json, Does.Contain("\"instanceId\":null,\"region\":null,\"zone\":null,\"lifecycle\":null,\"node\":null"));
        Assert.That(json, Does.EndWith(",\"exitCode\":143}"));
        Assert.That(json, Does.Not.Contain("deadline"));
    }

    [Test]
    public void Deserialize_Golden_RoundTrips()
    {
        var original = Event(GameServerEventTypes.Exited) with { ExitCode = 0 };

        var copy = JsonSerializer.Deserialize(Json(original), EventJsonContext.Default.GameServerEvent)!;

        Assert.That(copy.ExitCode, Is.EqualTo(0));
        Assert.That(copy.Ports["game"], Is.EqualTo(new PortBinding(27960, "udp")));
        Assert.That(copy.Schema, Is.EqualTo(GameServerEvent.SchemaName));
    }

    [Test]
    public void Format_LocalOffset_IsUtcWithZ()
    {
        Assert.That(RfcTime.Format(new DateTimeOffset(2026, 1, 2, 3, 4, 5, 6, TimeSpan.FromHours(-5))), Is.EqualTo("2026-01-02T08:04:05.006Z"));
    }
}
