using System.Text.Json;
using Spotable.Common.Aws;
using Spotable.Common.Sqs;
using Spotable.Launcher.Tests.Support;
using Spotable.Testing;
using Spotable.Testing.Fauxqs;
using Spotable.Testing.Processes;

namespace Spotable.Launcher.Tests.EndToEnd;

/// <summary>The launcher publishing to a real SQS stand-in (fauxqs) that the test starts and stops.</summary>
public class SqsEventsTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private FauxqsServer _server = null!;
    private SqsClient _sqs = null!;
    private string _dir = null!;

    [SetUp]
    public async Task SetUp()
    {
        _server = await FauxqsServer.StartNewAsync();
        _sqs = new SqsClient(
            new SqsClientOptions { Endpoint = _server.Endpoint, Region = "us-east-1", MaxRetryAttempts = 0 },
            new StaticAwsCredentialSource("AKIDTEST", "secret"));
        _dir = Directory.CreateTempSubdirectory("sqs-events").FullName;
    }

    [TearDown]
    public async Task TearDown()
    {
        _sqs.Dispose();
        await _server.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    private Task<string> CreateQueueAsync(string name) => _sqs.CreateQueueAsync(
        name,
        name.EndsWith(".fifo", StringComparison.Ordinal) ? new Dictionary<string, string> { ["FifoQueue"] = "true" } : null,
        CancellationToken.None);

    private LauncherProcess StartLauncher(string queueUrl, params string[] extra) => LauncherProcess.Start(
        ["--queue-url", queueUrl, "--port", "game:udp", "--port", "query:tcp", "--lease-dir", Path.Combine(_dir, "leases"),
         "--server-id", "games/echo-1", .. extra, "--", "python3", Path.Combine(RepoPaths.Root, "launcher/samples/echo-game.py")],
        new Dictionary<string, string>
        {
            ["AWS_ACCESS_KEY_ID"] = "AKIDTEST",
            ["AWS_SECRET_ACCESS_KEY"] = "secret",
            ["AWS_REGION"] = "us-east-1",
            ["AWS_ENDPOINT_URL_SQS"] = _server.Endpoint.ToString(),
            ["GAME_BIND"] = "127.0.0.1",
        });

    private async Task<List<SqsReceivedMessage>> ReceiveAsync(string queueUrl, int count)
    {
        var received = new List<SqsReceivedMessage>();
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (received.Count < count)
        {
            Assert.That(watch.Elapsed, Is.LessThan(Timeout), $"only {received.Count} of {count} messages arrived");
            foreach (var message in await _sqs.ReceiveMessagesAsync(queueUrl, 10, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), CancellationToken.None))
            {
                received.Add(message);
                await _sqs.DeleteMessageAsync(queueUrl, message.ReceiptHandle, CancellationToken.None);
            }
        }

        return received;
    }

    private static JsonElement Body(SqsReceivedMessage message) => JsonDocument.Parse(message.Body).RootElement.Clone();

    [TestCase("games-events")]
    [TestCase("games-events.fifo")]
    public async Task Launcher_FullLife_PublishesReadyTerminatingExitedInOrder(string queueName)
    {
        var queueUrl = await CreateQueueAsync(queueName);
        using var launcher = StartLauncher(queueUrl);

        var ready = Body((await ReceiveAsync(queueUrl, 1)).Single());
        Assert.That(ready.GetProperty("type").GetString(), Is.EqualTo("ready"));
        launcher.Signal(Posix.SIGTERM);
        Assert.That(await launcher.WaitForExitAsync(Timeout), Is.EqualTo(0));
        var rest = await ReceiveAsync(queueUrl, 2);

        var bodies = rest.Select(Body).Prepend(ready).ToList();
        Assert.That(bodies.Select(b => b.GetProperty("type").GetString()), Is.EqualTo(new[] { "ready", "terminating", "exited" }));
        foreach (var body in bodies)
        {
            Assert.That(body.GetProperty("schema").GetString(), Is.EqualTo("spotable.gameserver/v1"));
            Assert.That(body.GetProperty("serverId").GetString(), Is.EqualTo("games/echo-1"));
            Assert.That(body.GetProperty("ports").GetProperty("game").GetProperty("protocol").GetString(), Is.EqualTo("udp"));
            Assert.That(body.GetProperty("ports").GetProperty("query").GetProperty("protocol").GetString(), Is.EqualTo("tcp"));
            Assert.That(body.GetProperty("publicIp").GetString(), Is.Not.Empty);
        }

        Assert.That(bodies[0].GetProperty("portsVerified").GetBoolean(), Is.True);
        Assert.That(bodies[1].GetProperty("deadline").GetString(), Is.Not.Empty);
        Assert.That(bodies[2].GetProperty("exitCode").GetInt32(), Is.EqualTo(0));
        var times = bodies.Select(b => DateTimeOffset.Parse(b.GetProperty("time").GetString()!, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.That(times, Is.Ordered);

        if (queueName.EndsWith(".fifo", StringComparison.Ordinal))
        {
            Assert.That(rest.Select(m => m.MessageGroupId), Has.All.EqualTo("games/echo-1"));
            Assert.That(rest.Select(m => m.MessageDeduplicationId), Is.Unique.And.All.Not.Null);
        }
    }

    [Test]
    public async Task Launcher_SqsDownDuringTheWholeLife_DeliversEverythingInOrderAfterRestart()
    {
        var queueUrl = await CreateQueueAsync("outage.fifo");
        await _server.StopAsync();
        using var launcher = StartLauncher(queueUrl, "--flush-timeout", "60s");

        // The game starts, becomes ready and is stopped while SQS is unreachable; it is not held up by that.
        await launcher.WaitForLogAsync(e => e.TryGetProperty("eventId", out var id) && id.GetInt32() == 2052, Timeout);
        await launcher.WaitForLogAsync(e => e.TryGetProperty("eventId", out var id) && id.GetInt32() == 2050
            && e.GetProperty("type").GetString() == "ready", Timeout);
        launcher.Signal(Posix.SIGTERM);
        await launcher.WaitForLogAsync(e => e.TryGetProperty("eventId", out var id) && id.GetInt32() == 2009, Timeout);

        await _server.StartAsync(_server.Port);
        Assert.That(await CreateQueueAsync("outage.fifo"), Is.EqualTo(queueUrl), "a restarted fauxqs has no queues; the same name gives the same URL");

        Assert.That(await launcher.WaitForExitAsync(Timeout), Is.EqualTo(0));
        var bodies = (await ReceiveAsync(queueUrl, 3)).Select(Body).ToList();
        Assert.That(bodies.Select(b => b.GetProperty("type").GetString()), Is.EqualTo(new[] { "ready", "terminating", "exited" }));
        Assert.That(await _sqs.ReceiveMessagesAsync(queueUrl, 10, TimeSpan.FromSeconds(1), null, CancellationToken.None), Is.Empty, "no duplicates");
        Assert.That(launcher.Stderr, Has.None.Contains("never delivered"));
    }
}
