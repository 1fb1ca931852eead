using Microsoft.Extensions.Logging.Abstractions;
using NSubstitute;
using Spotable.Common.Events;
using Spotable.Common.Sqs;
using Spotable.Launcher.Publishing;
using Spotable.Testing;

namespace Spotable.Launcher.Tests.Publishing;

public class SqsEventSinkTests
{
    private const string FifoQueue = "https://sqs.eu-west-1.amazonaws.com/123456789012/games.fifo";
    private const string StandardQueue = "https://sqs.eu-west-1.amazonaws.com/123456789012/games";
    private readonly List<(string Body, string? Group, string? Dedup)> _sent = [];
    private ISqsClient _sqs = null!;
    private FakeTimeProvider _time = null!;
    private int _failuresLeft;

    [SetUp]
    public void SetUp()
    {
        // NUnit reuses one fixture instance for every test: reset what a previous test changed.
        _sent.Clear();
        _failuresLeft = 0;
        _time = new FakeTimeProvider();
        _sqs = Substitute.For<ISqsClient>();
        _sqs.SendMessageAsync(Arg.Any<string>(), Arg.Any<string>(), Arg.Any<string?>(), Arg.Any<string?>(), Arg.Any<CancellationToken>())
            .Returns(call =>
            {
                lock (_sent)
                {
                    _sent.Add((call.ArgAt<string>(1), call.ArgAt<string?>(2), call.ArgAt<string?>(3)));
                    if (_failuresLeft > 0)
                    {
                        _failuresLeft--;
                        throw new SqsException("ServiceUnavailable", "down", System.Net.HttpStatusCode.ServiceUnavailable, isTransient: true);
                    }
                }

                return Task.FromResult("m-" + _sent.Count);
            });
    }

    private static GameServerEvent Event(string type) => new()
    {
        Type = type,
        ServerId = "games/arena-1",
        Time = "2026-11-21T00:00:00.000Z",
        Ports = new Dictionary<string, PortBinding>(),
    };

    [Test]
    public async Task Publish_FifoQueue_SendsInOrderWithGroupAndUniqueDedupIds()
    {
        await using var sink = new SqsEventSink(_sqs, FifoQueue, NullLogger.Instance, _time);

        sink.Publish(Event("ready"));
        sink.Publish(Event("terminating"));
        sink.Publish(Event("exited"));

        Assert.That(await sink.FlushAsync(TimeSpan.FromSeconds(30)), Is.True);
        Assert.That(_sent.Select(s => s.Body.Split("\"type\":\"")[1].Split('"')[0]), Is.EqualTo(new[] { "ready", "terminating", "exited" }));
        Assert.That(_sent.Select(s => s.Group), Has.All.EqualTo("games/arena-1"));
        Assert.That(_sent.Select(s => s.Dedup), Is.Unique.And.All.Not.Null);
    }

    [Test]
    public async Task Publish_StandardQueue_SendsNoGroupOrDedupId()
    {
        await using var sink = new SqsEventSink(_sqs, StandardQueue, NullLogger.Instance, _time);

        sink.Publish(Event("ready"));

        Assert.That(await sink.FlushAsync(TimeSpan.FromSeconds(30)), Is.True);
        Assert.That(_sent.Single().Group, Is.Null);
        Assert.That(_sent.Single().Dedup, Is.Null);
    }

    [Test]
    public async Task Publish_SqsFailsThreeTimes_RetriesWithBackoffSameDedupIdAndKeepsOrder()
    {
        _failuresLeft = 3;
        await using var sink = new SqsEventSink(_sqs, FifoQueue, NullLogger.Instance, _time);

        sink.Publish(Event("ready"));
        sink.Publish(Event("exited"));
        // Backoff is 250 ms, 500 ms, 1 s on the fake clock.
        Assert.That(await FakeClock.RunAsync(sink.FlushAsync(TimeSpan.FromMinutes(5)), _time, TimeSpan.FromMilliseconds(250)), Is.True);
        lock (_sent)
        {
            Assert.That(_sent, Has.Count.EqualTo(5));
            Assert.That(_sent.Take(4).Select(s => s.Dedup).Distinct().Count(), Is.EqualTo(1), "retries of one event share its dedup id");
            Assert.That(_sent[4].Dedup, Is.Not.EqualTo(_sent[0].Dedup));
            Assert.That(_sent[4].Body, Does.Contain("\"type\":\"exited\""));
        }
    }

    [Test]
    public async Task Flush_SqsNeverAnswers_ReturnsFalseAfterTheTimeout()
    {
        _failuresLeft = int.MaxValue;
        await using var sink = new SqsEventSink(_sqs, FifoQueue, NullLogger.Instance, _time);
        sink.Publish(Event("exited"));

        Assert.That(await FakeClock.RunAsync(sink.FlushAsync(TimeSpan.FromSeconds(5)), _time, TimeSpan.FromMilliseconds(250)), Is.False);
    }
}
