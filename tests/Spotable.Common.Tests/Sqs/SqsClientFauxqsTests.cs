using System.Diagnostics;
using System.Net.Sockets;
using Spotable.Common.Aws;
using Spotable.Common.Sqs;
using Spotable.Testing.Fauxqs;

namespace Spotable.Common.Tests.Sqs;

/// <summary>
/// Integration: <see cref="SqsClient"/> against a real SQS JSON 1.0 server (fauxqs, started here on a free loopback
/// port). Needs node and <c>npm ci --prefix tests/tools</c>.
/// </summary>
[NonParallelizable]
public sealed class SqsClientFauxqsTests
{
    private FauxqsServer _server = null!;
    private SqsClient _client = null!;

    [OneTimeSetUp]
    public async Task StartServer()
    {
        _server = await FauxqsServer.StartNewAsync();
        _client = CreateClient(_server, maxRetryAttempts: 2);
    }

    [OneTimeTearDown]
    public async Task StopServer()
    {
        _client.Dispose();
        await _server.DisposeAsync();
    }

    [Test]
    public async Task StandardQueue_SendReceiveDelete_RoundTrips()
    {
        var queueUrl = await _client.CreateQueueAsync(UniqueName("std"), null, CancellationToken.None);

        var messageId = await _client.SendMessageAsync(queueUrl, """{"type":"ready"}""", null, null, CancellationToken.None);
        var first = await _client.ReceiveMessagesAsync(queueUrl, 10, TimeSpan.FromSeconds(5), TimeSpan.Zero, CancellationToken.None);

        // Visibility 0: the message is at once visible again, so it comes back until deleted.
        var again = await _client.ReceiveMessagesAsync(queueUrl, 10, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(30), CancellationToken.None);
        await _client.DeleteMessageAsync(queueUrl, again.Single().ReceiptHandle, CancellationToken.None);
        var afterDelete = await _client.ReceiveMessagesAsync(queueUrl, 10, TimeSpan.Zero, TimeSpan.Zero, CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(first.Single().MessageId, Is.EqualTo(messageId));
            Assert.That(first.Single().Body, Is.EqualTo("""{"type":"ready"}"""));
            Assert.That(first.Single().Attributes, Does.ContainKey("SentTimestamp"));
            Assert.That(again.Single().MessageId, Is.EqualTo(messageId));
            Assert.That(again.Single().Attributes["ApproximateReceiveCount"], Is.EqualTo("2"));
            Assert.That(afterDelete, Is.Empty);
        });
    }

    [Test]
    public async Task GetQueueUrlAsync_ExistingQueue_ReturnsTheUrlCreateQueueGave()
    {
        var name = UniqueName("lookup");
        var created = await _client.CreateQueueAsync(name, null, CancellationToken.None);

        var found = await _client.GetQueueUrlAsync(name, null, CancellationToken.None);

        Assert.That(found, Is.EqualTo(created));
    }

    [Test]
    public void GetQueueUrlAsync_MissingQueue_ThrowsQueueDoesNotExist()
    {
        var error = Assert.ThrowsAsync<QueueDoesNotExistException>(() => _client.GetQueueUrlAsync(UniqueName("missing"), null, CancellationToken.None));

        Assert.Multiple(() =>
        {
            Assert.That(error!.ErrorCode, Is.EqualTo("QueueDoesNotExist"));
            Assert.That(error.IsTransient, Is.False);
        });
    }

    [Test]
    public void SendMessageAsync_MissingQueueUrl_ThrowsQueueDoesNotExist()
    {
        var url = $"http://sqs.us-east-1.localhost:{_server.Port}/000000000000/{UniqueName("missing")}";

        Assert.ThrowsAsync<QueueDoesNotExistException>(() => _client.SendMessageAsync(url, "x", null, null, CancellationToken.None));
    }

    [Test]
    public async Task CreateQueueAsync_SameNameOtherAttributes_ThrowsInvalidRequest()
    {
        var name = UniqueName("attrs");
        await _client.CreateQueueAsync(name, new Dictionary<string, string> { ["VisibilityTimeout"] = "30" }, CancellationToken.None);

        var error = Assert.ThrowsAsync<SqsInvalidRequestException>(
            () => _client.CreateQueueAsync(name, new Dictionary<string, string> { ["VisibilityTimeout"] = "60" }, CancellationToken.None));

        Assert.That(error!.ErrorCode, Is.EqualTo("QueueNameExists"));
    }

    [Test]
    public async Task SendMessageBatchAsync_StandardQueue_DeliversEveryEntry()
    {
        var queueUrl = await _client.CreateQueueAsync(UniqueName("batch"), null, CancellationToken.None);

        var result = await _client.SendMessageBatchAsync(queueUrl, [new("a", "body a"), new("b", "body b"), new("c", "body c")], CancellationToken.None);
        var bodies = await DrainAsync(queueUrl, expected: 3);

        Assert.Multiple(() =>
        {
            Assert.That(result.Successful, Is.EquivalentTo(new[] { "a", "b", "c" }));
            Assert.That(result.Failed, Is.Empty);
            Assert.That(result.MessageIds.Keys, Is.EquivalentTo(new[] { "a", "b", "c" }));
            Assert.That(bodies.Select(m => m.Body), Is.EquivalentTo(new[] { "body a", "body b", "body c" }));
        });
    }

    [Test]
    public async Task SendMessageBatchAsync_TooManyEntries_ThrowsInvalidRequest()
    {
        var queueUrl = await _client.CreateQueueAsync(UniqueName("toomany"), null, CancellationToken.None);
        var entries = Enumerable.Range(0, 11).Select(i => new SqsBatchEntry($"e{i}", "x")).ToList();

        var error = Assert.ThrowsAsync<SqsInvalidRequestException>(() => _client.SendMessageBatchAsync(queueUrl, entries, CancellationToken.None));

        Assert.That(error!.ErrorCode, Is.EqualTo("TooManyEntriesInBatchRequest"));
    }

    [Test]
    public async Task FifoQueue_DuplicateDeduplicationId_IsDeliveredOnceWithGroupAttributes()
    {
        var queueUrl = await CreateFifoQueueAsync("dedup");

        var first = await _client.SendMessageAsync(queueUrl, "first", "server-1", "event-1", CancellationToken.None);
        var duplicate = await _client.SendMessageAsync(queueUrl, "first (resent)", "server-1", "event-1", CancellationToken.None);
        var second = await _client.SendMessageAsync(queueUrl, "second", "server-1", "event-2", CancellationToken.None);
        var messages = await DrainAsync(queueUrl, expected: 2);

        Assert.Multiple(() =>
        {
            Assert.That(duplicate, Is.EqualTo(first), "a duplicate gets the original MessageId");
            Assert.That(second, Is.Not.EqualTo(first));
            Assert.That(messages.Select(m => m.Body), Is.EqualTo(new[] { "first", "second" }), "once each, in group order");
            Assert.That(messages.Select(m => m.MessageGroupId), Is.All.EqualTo("server-1"));
            Assert.That(messages.Select(m => m.MessageDeduplicationId), Is.EqualTo(new[] { "event-1", "event-2" }));
            Assert.That(messages[0].Attributes, Does.ContainKey("SequenceNumber"));
        });
    }

    [Test]
    public async Task FifoQueue_BatchEntryWithoutGroup_FailsThatEntryOnly()
    {
        var queueUrl = await CreateFifoQueueAsync("batch");

        var result = await _client.SendMessageBatchAsync(
            queueUrl,
            [new("ok", "fine", "server-1", "d-1"), new("nogroup", "no group", null, "d-2")],
            CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(result.Successful, Is.EqualTo(new[] { "ok" }));
            Assert.That(result.Failed, Has.Count.EqualTo(1));
            Assert.That(result.Failed[0].Id, Is.EqualTo("nogroup"));
            Assert.That(result.Failed[0].Code, Is.EqualTo("MissingParameter"));
            Assert.That(result.Failed[0].SenderFault, Is.True);
        });
    }

    [Test]
    public async Task FifoQueue_NoDeduplicationIdWithoutContentBasedDedup_ThrowsInvalidRequest()
    {
        var queueUrl = await CreateFifoQueueAsync("nodedup");

        var error = Assert.ThrowsAsync<SqsInvalidRequestException>(() => _client.SendMessageAsync(queueUrl, "x", "server-1", null, CancellationToken.None));

        Assert.That(error!.ErrorCode, Is.EqualTo("InvalidParameterValue"));
    }

    [Test]
    public async Task ReceiveMessagesAsync_MessageArrivesDuringLongPoll_ReturnsIt()
    {
        var queueUrl = await _client.CreateQueueAsync(UniqueName("poll"), null, CancellationToken.None);

        var receive = _client.ReceiveMessagesAsync(queueUrl, 1, TimeSpan.FromSeconds(10), null, CancellationToken.None);
        await _client.SendMessageAsync(queueUrl, "late", null, null, CancellationToken.None);
        var messages = await receive;

        Assert.That(messages.Single().Body, Is.EqualTo("late"));
    }

    [Test]
    public async Task ReceiveMessagesAsync_EmptyQueue_WaitsThenReturnsNothing()
    {
        var queueUrl = await _client.CreateQueueAsync(UniqueName("empty"), null, CancellationToken.None);
        var stopwatch = Stopwatch.StartNew();

        var messages = await _client.ReceiveMessagesAsync(queueUrl, 1, TimeSpan.FromSeconds(1), null, CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(messages, Is.Empty);
            Assert.That(stopwatch.Elapsed, Is.GreaterThanOrEqualTo(TimeSpan.FromMilliseconds(900)), "the server long-polled");
        });
    }

    [Test]
    public async Task StopAndRestart_SamePort_CallsFailTransientlyThenWorkAgainOnAnEmptyServer()
    {
        await using var server = await FauxqsServer.StartNewAsync();
        using var counter = new CountingHandler(new SocketsHttpHandler());
        using var http = new HttpClient(counter);
        using var client = CreateClient(server, maxRetryAttempts: 2, http);
        var name = UniqueName("restart");
        var queueUrl = await client.CreateQueueAsync(name, null, CancellationToken.None);
        await client.SendMessageAsync(queueUrl, "before", null, null, CancellationToken.None);
        var port = server.Port;

        await server.StopAsync();
        var requestsBefore = counter.Count;
        var down = Assert.CatchAsync<SqsException>(() => client.SendMessageAsync(queueUrl, "while down", null, null, CancellationToken.None));
        var attemptsWhileDown = counter.Count - requestsBefore;

        await server.StartAsync(port);

        // fauxqs keeps queues in memory only: the restarted server has none, so the queue is made again.
        var lostQueue = Assert.ThrowsAsync<QueueDoesNotExistException>(() => client.GetQueueUrlAsync(name, null, CancellationToken.None));
        var recreated = await client.CreateQueueAsync(name, null, CancellationToken.None);
        await client.SendMessageAsync(recreated, "after", null, null, CancellationToken.None);
        var received = await client.ReceiveMessagesAsync(recreated, 10, TimeSpan.FromSeconds(5), null, CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(down, Is.TypeOf<SqsException>());
            Assert.That(down!.ErrorCode, Is.EqualTo("TransportError"));
            Assert.That(down.IsTransient, Is.True);
            Assert.That(down.InnerException, Is.InstanceOf<HttpRequestException>());
            Assert.That(down.InnerException!.InnerException, Is.InstanceOf<SocketException>(), "connection refused");
            Assert.That(attemptsWhileDown, Is.EqualTo(3), "first attempt + 2 retries");
            Assert.That(server.Port, Is.EqualTo(port));
            Assert.That(lostQueue, Is.Not.Null);
            Assert.That(recreated, Is.EqualTo(queueUrl), "the queue URL names the port, which did not change");
            Assert.That(received.Select(m => m.Body), Is.EqualTo(new[] { "after" }));
        });
    }

    [Test]
    public async Task StartAsync_PortAlreadyTaken_FailsWithServerError()
    {
        await using var second = new FauxqsServer();

        var error = Assert.ThrowsAsync<InvalidOperationException>(() => second.StartAsync(_server.Port));

        Assert.Multiple(() =>
        {
            Assert.That(error!.Message, Does.Contain("EADDRINUSE"));
            Assert.That(second.IsRunning, Is.False);
        });
    }

    private static SqsClient CreateClient(FauxqsServer server, int maxRetryAttempts, HttpClient? http = null)
    {
        var options = new SqsClientOptions
        {
            Endpoint = server.Endpoint,
            Region = "us-east-1",
            MaxRetryAttempts = maxRetryAttempts,
            RetryBaseDelay = TimeSpan.FromMilliseconds(20),
            RetryMaxDelay = TimeSpan.FromMilliseconds(100),
            RequestTimeout = TimeSpan.FromSeconds(10),
        };

        // fauxqs accepts any keys; the request is still fully signed.
        return new SqsClient(options, new StaticAwsCredentialSource("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"), http, TimeProvider.System);
    }

    private static string UniqueName(string prefix) => $"spotable-{prefix}-{Guid.NewGuid():N}";

    private async Task<string> CreateFifoQueueAsync(string prefix) =>
        await _client.CreateQueueAsync(
            UniqueName(prefix) + ".fifo",
            new Dictionary<string, string> { ["FifoQueue"] = "true", ["ContentBasedDeduplication"] = "false" },
            CancellationToken.None);

    // Receives and deletes until the expected count arrived or a long poll comes back empty.
    private async Task<List<SqsReceivedMessage>> DrainAsync(string queueUrl, int expected)
    {
        var all = new List<SqsReceivedMessage>();
        while (all.Count < expected)
        {
            var batch = await _client.ReceiveMessagesAsync(queueUrl, 10, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(30), CancellationToken.None);
            if (batch.Count == 0)
            {
                break;
            }

            foreach (var message in batch)
            {
                await _client.DeleteMessageAsync(queueUrl, message.ReceiptHandle, CancellationToken.None);
            }

            all.AddRange(batch);
        }

        return all;
    }

    private sealed class CountingHandler(HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        private int _count;

        public int Count => Volatile.Read(ref _count);

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _count);
            return base.SendAsync(request, cancellationToken);
        }
    }
}
