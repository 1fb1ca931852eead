using System.Text.Json;
using Spotable.Common.Events;

namespace Spotable.Common.Tests.Events;

/// <summary>The wire form of <c>spotable.node/v1</c>, pinned byte for byte.</summary>
public class NodeEventTests
{
    [Test]
    public void Serialize_Interruption_MatchesGolden()
    {
        var notice = new NodeEvent
        {
            Type = NodeEventTypes.Interruption,
            Id = "3f2a9c0d1e4b5a67",
            Node = "ip-10-0-1-23.eu-central-1.compute.internal",
            InstanceId = "i-0abc123def4567890",
            PublicHost = "ec2-3-120-1-2.eu-central-1.compute.amazonaws.com",
            Action = "terminate",
            NoticeTime = "2026-11-21T17:09:44.000Z",
            Deadline = "2026-11-21T17:11:44.000Z",
            Servers = ["games/arena-1", "games/arena-2"],
        };

        Assert.That(JsonSerializer.Serialize(notice, EventJsonContext.Default.NodeEvent), Is.EqualTo(
            """{"schema":"spotable.node/v1","type":"interruption","id":"3f2a9c0d1e4b5a67","node":"ip-10-0-1-23.eu-central-1.compute.internal","instanceId":"i-0abc123def4567890","publicHost":"ec2-3-120-1-2.eu-central-1.compute.amazonaws.com","action":"terminate","noticeTime":"2026-11-21T17:09:44.000Z","deadline":"2026-11-21T17:11:44.000Z","servers":["games/arena-1","games/arena-2"]}"""));
    }

    [Test]
    public void Serialize_DryRunRebalance_HasNullActionAndDryRunFlag()
    {
        var json = JsonSerializer.Serialize(new NodeEvent { Type = NodeEventTypes.Rebalance, Id = "x", Node = "n", NoticeTime = "t", Servers = [], DryRun = true }, EventJsonContext.Default.NodeEvent);

        Assert.That(json, Does.Contain("\"action\":null").And.Contain("\"deadline\":null").And.EndsWith("\"servers\":[],\"dryRun\":true}"));
    }
}
