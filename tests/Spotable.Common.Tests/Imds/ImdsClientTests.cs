using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Spotable.Common.Imds;
using Spotable.Testing;
using Spotable.Testing.FakeImds;

namespace Spotable.Common.Tests.Imds;

public sealed class ImdsClientTests
{
    private FakeImdsServer _server = null!;

    [SetUp]
    public async Task SetUp() => _server = await FakeImdsServer.StartAsync();

    [TearDown]
    public async Task TearDown() => await _server.DisposeAsync();

    [Test]
    public async Task GetMetadataAsync_ManyReads_FetchesTokenOnceAndSendsItEveryTime()
    {
        _server.RequireToken = true;
        using var client = CreateClient(_server.Endpoint);

        for (var i = 0; i < 5; i++)
        {
            Assert.That(await client.GetMetadataAsync("instance-id", CancellationToken.None), Is.EqualTo("i-0123456789abcdef0"));
        }

        Assert.That(_server.TokenRequests, Is.EqualTo(1));
        Assert.That(_server.ReadCount("instance-id"), Is.EqualTo(5));
        Assert.That(_server.UnauthenticatedReads, Is.Zero);
    }

    [Test]
    public async Task GetMetadataAsync_ConcurrentCallersOnColdClient_ShareOneTokenFetch()
    {
        _server.RequireToken = true;
        using var client = CreateClient(_server.Endpoint);

        var reads = Enumerable.Range(0, 20).Select(_ => client.GetMetadataAsync("local-ipv4", CancellationToken.None));
        var values = await Task.WhenAll(reads);

        Assert.That(values, Has.All.EqualTo("10.0.1.23"));
        Assert.That(_server.TokenRequests, Is.EqualTo(1));
    }

    [Test]
    public async Task GetMetadataAsync_TokenNearExpiryOnInjectedClock_RefreshesToken()
    {
        var clock = new FakeTimeProvider();
        await using var server = await FakeImdsServer.StartAsync(clock);
        server.RequireToken = true;

        // TTL 60 s: refreshed when less than min(1 min, 10% of TTL) = 6 s is left, i.e. from 54 s on.
        using var client = CreateClient(server.Endpoint, clock, o => o.TokenTtl = TimeSpan.FromSeconds(60));

        await client.GetMetadataAsync("instance-id", CancellationToken.None);
        clock.Advance(TimeSpan.FromSeconds(50));
        await client.GetMetadataAsync("instance-id", CancellationToken.None);
        Assert.That(server.TokenRequests, Is.EqualTo(1), "token still fresh at 50 s");

        clock.Advance(TimeSpan.FromSeconds(5));
        var value = await client.GetMetadataAsync("instance-id", CancellationToken.None);

        Assert.That(value, Is.EqualTo("i-0123456789abcdef0"));
        Assert.That(server.TokenRequests, Is.EqualTo(2));
        Assert.That(server.ReadCount("instance-id"), Is.EqualTo(3), "no 401 round trip: refreshed before expiry");
        Assert.That(clock.ActiveTimerCount, Is.Zero, "per-request timeout timers are released");
    }

    [Test]
    public async Task GetMetadataAsync_TokenExpiredOnServer_RefetchesOnceAndSucceeds()
    {
        // The server's clock runs ahead of the client's, so the client still believes its token is fresh.
        var serverClock = new FakeTimeProvider();
        await using var server = await FakeImdsServer.StartAsync(serverClock);
        server.RequireToken = true;
        using var client = CreateClient(server.Endpoint, configure: o => o.TokenTtl = TimeSpan.FromSeconds(60));
        await client.GetMetadataAsync("instance-id", CancellationToken.None);

        serverClock.Advance(TimeSpan.FromSeconds(61));
        var value = await client.GetMetadataAsync("instance-type", CancellationToken.None);

        Assert.That(value, Is.EqualTo("c7g.large"));
        Assert.That(server.TokenRequests, Is.EqualTo(2));
        Assert.That(server.ReadCount("instance-type"), Is.EqualTo(2), "one 401, one retry");
    }

    [Test]
    public async Task GetMetadataAsync_TokenRevokedOnServer_RefetchesAndSucceeds()
    {
        using var client = CreateClient(_server.Endpoint);
        await client.GetMetadataAsync("instance-id", CancellationToken.None);

        _server.ExpireTokens();
        var value = await client.GetMetadataAsync("instance-id", CancellationToken.None);

        Assert.That(value, Is.EqualTo("i-0123456789abcdef0"));
        Assert.That(_server.TokenRequests, Is.EqualTo(2));
    }

    [Test]
    public async Task GetMetadataAsync_EveryTokenRejected_ThrowsAfterOneRetryWithoutLoggingToken()
    {
        const string Secret = "AQAEAFake-Secret-Token==";
        var logger = new CapturingLogger();
        using var handler = new StubHandler(request => request.Method == HttpMethod.Put
            ? new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(Secret) }
            : new HttpResponseMessage(HttpStatusCode.Unauthorized));
        using var client = new ImdsClient(Options(LoopbackNowhere()), TimeProvider.System, logger, handler);

        var ex = Assert.ThrowsAsync<ImdsException>(() => client.GetMetadataAsync("instance-id", CancellationToken.None));

        Assert.That(ex.StatusCode, Is.EqualTo(401));
        Assert.That(handler.Requests.Count(r => r.Method == HttpMethod.Get), Is.EqualTo(2));
        Assert.That(handler.Requests.Count(r => r.Method == HttpMethod.Put), Is.EqualTo(2));
        Assert.That(handler.Requests.Where(r => r.Method == HttpMethod.Get).Select(r => r.Headers.GetValues(FakeImdsServer.TokenHeader).Single()), Has.All.EqualTo(Secret));
        Assert.That(logger.Lines, Is.Not.Empty);
        Assert.That(logger.Lines, Has.None.Contains(Secret));
    }

    [Test]
    public async Task GetMetadataAsync_TokenRequest_SendsTtlHeaderInWholeSeconds()
    {
        using var handler = new StubHandler(request => request.Method == HttpMethod.Put
            ? new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("token") }
            : new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("value") });
        using var client = new ImdsClient(
            Options(LoopbackNowhere(), o => o.TokenTtl = TimeSpan.FromMinutes(15)), TimeProvider.System, handler: handler);

        await client.GetMetadataAsync("instance-id", CancellationToken.None);

        var put = handler.Requests.Single(r => r.Method == HttpMethod.Put);
        Assert.That(put.RequestUri, Is.EqualTo(new Uri(LoopbackNowhere(), "/latest/api/token")));
        Assert.That(put.Headers.GetValues(FakeImdsServer.TokenTtlHeader).Single(), Is.EqualTo("900"));
    }

    [Test]
    public async Task GetMetadataAsync_MissingPath_ReturnsNull()
    {
        using var client = CreateClient(_server.Endpoint);

        var value = await client.GetMetadataAsync("no/such/path", CancellationToken.None);

        Assert.That(value, Is.Null);
        Assert.That(_server.ReadCount("no/such/path"), Is.EqualTo(1));
    }

    [TestCase("instance-id?x=1")]
    [TestCase("../user-data")]
    public void GetMetadataAsync_PathEscapingMetadataTree_ThrowsArgumentException(string path)
    {
        using var client = CreateClient(_server.Endpoint);

        Assert.That(() => client.GetMetadataAsync(path, CancellationToken.None), Throws.ArgumentException);
        Assert.That(_server.TotalRequests, Is.Zero);
    }

    [Test]
    public async Task GetIdentityAsync_NoPublicAddress_PublicFieldsNullEverythingElseSet()
    {
        _server.RequireToken = true;
        _server.Metadata.TryRemove("public-ipv4", out _);
        _server.Metadata.TryRemove("public-hostname", out _);
        using var client = CreateClient(_server.Endpoint);

        var identity = await client.GetIdentityAsync(CancellationToken.None);

        Assert.That(identity, Is.EqualTo(new InstanceIdentity
        {
            InstanceId = "i-0123456789abcdef0",
            InstanceType = "c7g.large",
            Lifecycle = "spot",
            PublicHostname = null,
            PublicIpv4 = null,
            LocalIpv4 = "10.0.1.23",
            AvailabilityZone = "us-east-1a",
            Region = "us-east-1",
        }));
        Assert.That(_server.TokenRequests, Is.EqualTo(1), "the parallel reads share one token");
    }

    [Test]
    public async Task GetIdentityAsync_PublicInstance_ReadsPublicAddress()
    {
        using var client = CreateClient(_server.Endpoint);

        var identity = await client.GetIdentityAsync(CancellationToken.None);

        Assert.That(identity.PublicIpv4, Is.EqualTo("203.0.113.25"));
        Assert.That(identity.PublicHostname, Is.EqualTo("ec2-203-0-113-25.compute-1.amazonaws.com"));
    }

    [Test]
    public async Task GetIdentityAsync_RegionPathMissing_DerivesRegionFromZone()
    {
        _server.Metadata.TryRemove("placement/region", out _);
        _server.Metadata["placement/availability-zone"] = "eu-central-1b";
        using var client = CreateClient(_server.Endpoint);

        var identity = await client.GetIdentityAsync(CancellationToken.None);

        Assert.That(identity.Region, Is.EqualTo("eu-central-1"));
        Assert.That(_server.ReadCount("placement/region"), Is.EqualTo(1));
    }

    [TestCase("us-east-1a", "us-east-1")]
    [TestCase("ap-southeast-2c", "ap-southeast-2")]
    [TestCase("us-gov-west-1a", "us-gov-west-1")]
    [TestCase("us-west-2-lax-1a", "us-west-2")]
    [TestCase("us-east-1-wl1-bos-wlz-1", "us-east-1")]
    [TestCase("garbage", null)]
    [TestCase("", null)]
    [TestCase(null, null)]
    public void RegionFromAvailabilityZone_Zone_ReturnsRegion(string? zone, string? expected) =>
        Assert.That(ImdsClient.RegionFromAvailabilityZone(zone), Is.EqualTo(expected));

    [Test]
    public void GetMetadataAsync_SlowEndpoint_ThrowsImdsUnavailableWithoutFallingBackToV1()
    {
        _server.Delay = TimeSpan.FromSeconds(3);
        using var client = CreateClient(_server.Endpoint, configure: o => o.RequestTimeout = TimeSpan.FromMilliseconds(200));

        var ex = Assert.ThrowsAsync<ImdsUnavailableException>(() => client.GetMetadataAsync("instance-id", CancellationToken.None));

        Assert.That(ex.InnerException, Is.InstanceOf<OperationCanceledException>());
        Assert.That(_server.TokenRequests, Is.EqualTo(1));
        Assert.That(_server.ReadCount("instance-id"), Is.Zero, "a timed-out token request is not a reason to read without a token");
    }

    [Test]
    public async Task GetMetadataAsync_NoAnswerWithinTimeoutOnInjectedClock_ThrowsImdsUnavailable()
    {
        // A minute on the fake clock: if the timeout ran on real time, the bounded wait below would fail first.
        var clock = new FakeTimeProvider();
        _server.Delay = TimeSpan.FromMinutes(10);
        using var client = CreateClient(_server.Endpoint, clock, o => o.RequestTimeout = TimeSpan.FromMinutes(1));

        var read = client.GetMetadataAsync("instance-id", CancellationToken.None);
        await WaitUntilAsync(() => _server.TotalRequests == 1);
        clock.Advance(TimeSpan.FromSeconds(59));
        Assert.That(read.IsCompleted, Is.False, "still inside the timeout");
        clock.Advance(TimeSpan.FromSeconds(1));

        Assert.That(async () => await read.WaitAsync(TimeSpan.FromSeconds(10)), Throws.InstanceOf<ImdsUnavailableException>());
        Assert.That(_server.ReadCount("instance-id"), Is.Zero);
    }

    [Test]
    public void GetMetadataAsync_ConnectionRefused_ThrowsImdsUnavailable()
    {
        using var client = CreateClient(new Uri($"http://127.0.0.1:{UnusedLoopbackPort()}"), configure: o => o.RequestTimeout = TimeSpan.FromSeconds(10));

        var ex = Assert.ThrowsAsync<ImdsUnavailableException>(() => client.GetMetadataAsync("instance-id", CancellationToken.None));

        Assert.That(ex.InnerException, Is.InstanceOf<HttpRequestException>(), "refused, not timed out");
    }

    [Test]
    public void AllReads_DisabledByConfiguration_ThrowWithoutAnyRequest()
    {
        using var client = CreateClient(_server.Endpoint, configure: o => o.Disabled = true);

        Assert.ThrowsAsync<ImdsUnavailableException>(() => client.GetMetadataAsync("instance-id", CancellationToken.None));
        Assert.ThrowsAsync<ImdsUnavailableException>(() => client.GetIdentityAsync(CancellationToken.None));
        Assert.ThrowsAsync<ImdsUnavailableException>(() => client.GetSpotInstanceActionAsync(CancellationToken.None));
        Assert.ThrowsAsync<ImdsUnavailableException>(() => client.GetRebalanceRecommendationAsync(CancellationToken.None));
        Assert.ThrowsAsync<ImdsUnavailableException>(() => client.GetScheduledMaintenanceEventsAsync(CancellationToken.None));
        Assert.That(_server.TotalRequests, Is.Zero);
    }

    [Test]
    public async Task GetMetadataAsync_NoTokenServiceAndV1Allowed_ReadsWithoutTokenAndCachesTheDecision()
    {
        _server.TokensSupported = false;
        using var client = CreateClient(_server.Endpoint);

        var first = await client.GetMetadataAsync("instance-id", CancellationToken.None);
        var second = await client.GetMetadataAsync("instance-type", CancellationToken.None);

        Assert.That((first, second), Is.EqualTo(("i-0123456789abcdef0", "c7g.large")));
        Assert.That(_server.UnauthenticatedReads, Is.EqualTo(2));
        Assert.That(_server.TokenRequests, Is.EqualTo(1));
    }

    [Test]
    public void GetMetadataAsync_NoTokenServiceAndV1Disallowed_ThrowsWithoutUnauthenticatedRead()
    {
        _server.TokensSupported = false;
        using var client = CreateClient(_server.Endpoint, configure: o => o.AllowV1Fallback = false);

        var ex = Assert.ThrowsAsync<ImdsException>(() => client.GetMetadataAsync("instance-id", CancellationToken.None));

        Assert.That(ex, Is.Not.InstanceOf<ImdsUnavailableException>());
        Assert.That(ex.StatusCode, Is.EqualTo(404));
        Assert.That(_server.UnauthenticatedReads, Is.Zero);
        Assert.That(_server.ReadCount("instance-id"), Is.Zero);
    }

    [TestCase(500)]
    [TestCase(503)]
    [TestCase(429)]
    public void GetMetadataAsync_TokenEndpointFails_ThrowsImdsExceptionWithoutFallingBack(int status)
    {
        _server.FailNextRequests(1, status);
        using var client = CreateClient(_server.Endpoint);

        var ex = Assert.ThrowsAsync<ImdsException>(() => client.GetMetadataAsync("instance-id", CancellationToken.None));

        Assert.That(ex, Is.Not.InstanceOf<ImdsUnavailableException>());
        Assert.That(ex.StatusCode, Is.EqualTo(status));
        Assert.That(_server.UnauthenticatedReads, Is.Zero);
    }

    [Test]
    public async Task GetMetadataAsync_TokenEndpointFailedOnce_NextCallFetchesAgain()
    {
        _server.FailNextRequests(1, 503);
        using var client = CreateClient(_server.Endpoint);
        Assert.ThrowsAsync<ImdsException>(() => client.GetMetadataAsync("instance-id", CancellationToken.None));

        var value = await client.GetMetadataAsync("instance-id", CancellationToken.None);

        Assert.That(value, Is.EqualTo("i-0123456789abcdef0"));
        Assert.That(_server.TokenRequests, Is.EqualTo(2));
    }

    [TestCase(500)]
    [TestCase(503)]
    public async Task GetMetadataAsync_ReadFailsWithServerError_ThrowsImdsExceptionWithStatus(int status)
    {
        using var client = CreateClient(_server.Endpoint);
        await client.GetMetadataAsync("instance-id", CancellationToken.None);
        _server.FailNextRequests(1, status);

        var ex = Assert.ThrowsAsync<ImdsException>(() => client.GetMetadataAsync("instance-id", CancellationToken.None));

        Assert.That(ex, Is.Not.InstanceOf<ImdsUnavailableException>());
        Assert.That(ex.StatusCode, Is.EqualTo(status));
    }

    [Test]
    public void GetMetadataAsync_ImdsDisabledOnInstance_ThrowsForbiddenWithClearMessage()
    {
        _server.Disabled403 = true;
        using var client = CreateClient(_server.Endpoint);

        var ex = Assert.ThrowsAsync<ImdsException>(() => client.GetMetadataAsync("instance-id", CancellationToken.None));

        Assert.That(ex.StatusCode, Is.EqualTo(403));
        Assert.That(ex.Message, Does.Contain("disabled"));
        Assert.That(_server.UnauthenticatedReads, Is.Zero);
    }

    [Test]
    public async Task GetMetadataAsync_CallerCancels_ThrowsOperationCanceledNotUnavailable()
    {
        _server.Delay = TimeSpan.FromMinutes(10);
        using var client = CreateClient(_server.Endpoint, configure: o => o.RequestTimeout = TimeSpan.FromMinutes(5));
        using var cts = new CancellationTokenSource();

        var read = client.GetMetadataAsync("instance-id", cts.Token);
        await WaitUntilAsync(() => _server.TotalRequests == 1);
        await cts.CancelAsync();

        Assert.That(async () => await read, Throws.InstanceOf<OperationCanceledException>());
    }

    [Test]
    public void GetMetadataAsync_AfterDispose_ThrowsObjectDisposed()
    {
        var client = CreateClient(_server.Endpoint);
        client.Dispose();

        Assert.ThrowsAsync<ObjectDisposedException>(() => client.GetMetadataAsync("instance-id", CancellationToken.None));
        Assert.That(_server.TotalRequests, Is.Zero);
    }

    [Test]
    public async Task GetSpotInstanceActionAsync_NoNotice_ReturnsNull()
    {
        using var client = CreateClient(_server.Endpoint);

        Assert.That(await client.GetSpotInstanceActionAsync(CancellationToken.None), Is.Null);
    }

    [Test]
    public async Task GetSpotInstanceActionAsync_NoticePresent_ReturnsActionAndTime()
    {
        _server.Metadata[FakeImdsServer.SpotInstanceActionPath] = """{"action": "terminate", "time": "2026-11-21T17:11:44Z"}""";
        using var client = CreateClient(_server.Endpoint);

        var notice = await client.GetSpotInstanceActionAsync(CancellationToken.None);

        Assert.That(notice, Is.EqualTo(new SpotInstanceAction("terminate", new DateTimeOffset(2026, 11, 21, 17, 11, 44, TimeSpan.Zero))));
    }

    [Test]
    public async Task GetSpotInstanceActionAsync_HibernateSetThroughFake_RoundTrips()
    {
        var time = new DateTimeOffset(2026, 3, 4, 5, 6, 7, TimeSpan.Zero);
        _server.SetSpotInstanceAction("hibernate", time);
        using var client = CreateClient(_server.Endpoint);

        var notice = await client.GetSpotInstanceActionAsync(CancellationToken.None);

        Assert.That(notice, Is.EqualTo(new SpotInstanceAction("hibernate", time)));
    }

    [Test]
    public async Task GetRebalanceRecommendationAsync_None_ReturnsNull()
    {
        using var client = CreateClient(_server.Endpoint);

        Assert.That(await client.GetRebalanceRecommendationAsync(CancellationToken.None), Is.Null);
    }

    [Test]
    public async Task GetRebalanceRecommendationAsync_Present_ReturnsNoticeTime()
    {
        _server.Metadata[FakeImdsServer.RebalanceRecommendationPath] = """{"noticeTime": "2020-10-27T08:22:00Z"}""";
        using var client = CreateClient(_server.Endpoint);

        var recommendation = await client.GetRebalanceRecommendationAsync(CancellationToken.None);

        Assert.That(recommendation, Is.EqualTo(new RebalanceRecommendation(new DateTimeOffset(2020, 10, 27, 8, 22, 0, TimeSpan.Zero))));
    }

    [Test]
    public async Task GetScheduledMaintenanceEventsAsync_None_ReturnsEmpty()
    {
        using var client = CreateClient(_server.Endpoint);

        Assert.That(await client.GetScheduledMaintenanceEventsAsync(CancellationToken.None), Is.Empty);
    }

    [Test]
    public async Task GetScheduledMaintenanceEventsAsync_DocumentedExample_ParsesDates()
    {
        _server.Metadata[FakeImdsServer.ScheduledMaintenancePath] = """
            [ {
              "NotBefore" : "21 Jan 2019 09:00:43 GMT",
              "Code" : "system-reboot",
              "Description" : "scheduled reboot",
              "EventId" : "instance-event-0d59937288b749b32",
              "NotAfter" : "21 Jan 2019 09:17:23 GMT",
              "State" : "active"
            } ]
            """;
        using var client = CreateClient(_server.Endpoint);

        var events = await client.GetScheduledMaintenanceEventsAsync(CancellationToken.None);

        Assert.That(events, Is.EqualTo(new[]
        {
            new ScheduledMaintenanceEvent(
                "instance-event-0d59937288b749b32",
                "system-reboot",
                "scheduled reboot",
                new DateTimeOffset(2019, 1, 21, 9, 0, 43, TimeSpan.Zero),
                new DateTimeOffset(2019, 1, 21, 9, 17, 23, TimeSpan.Zero),
                "active"),
        }));
    }

    [Test]
    public async Task GetScheduledMaintenanceEventsAsync_EventsSetThroughFake_ParsesSingleDigitDaysAndStates()
    {
        var notBefore = new DateTimeOffset(2026, 2, 1, 3, 4, 5, TimeSpan.Zero);
        _server.AddScheduledMaintenanceEvent("instance-event-1", "instance-retirement", notBefore, notBefore.AddHours(2));
        _server.AddScheduledMaintenanceEvent("instance-event-2", "system-maintenance", notBefore.AddDays(9), notBefore.AddDays(10), "canceled");
        using var client = CreateClient(_server.Endpoint);

        var events = await client.GetScheduledMaintenanceEventsAsync(CancellationToken.None);

        Assert.That(events.Select(e => (e.EventId, e.Code, e.NotBefore, e.NotAfter, e.State)), Is.EqualTo(new[]
        {
            ("instance-event-1", "instance-retirement", notBefore, (DateTimeOffset?)notBefore.AddHours(2), (string?)"active"),
            ("instance-event-2", "system-maintenance", notBefore.AddDays(9), notBefore.AddDays(10), "canceled"),
        }));
    }

    [TestCase(FakeImdsServer.SpotInstanceActionPath, "{not json")]
    [TestCase(FakeImdsServer.SpotInstanceActionPath, "")]
    [TestCase(FakeImdsServer.SpotInstanceActionPath, "null")]
    [TestCase(FakeImdsServer.SpotInstanceActionPath, """{"action":"terminate"}""")]
    [TestCase(FakeImdsServer.SpotInstanceActionPath, """{"action":null,"time":"2026-11-21T17:11:44Z"}""")]
    [TestCase(FakeImdsServer.SpotInstanceActionPath, """{"action":"stop","time":"tomorrow"}""")]
    [TestCase(FakeImdsServer.RebalanceRecommendationPath, "[]")]
    [TestCase(FakeImdsServer.RebalanceRecommendationPath, """{"noticeTime":42}""")]
    [TestCase(FakeImdsServer.ScheduledMaintenancePath, "{}")]
    [TestCase(FakeImdsServer.ScheduledMaintenancePath, "[null]")]
    [TestCase(FakeImdsServer.ScheduledMaintenancePath, """[{"Code":"system-reboot","EventId":"e"}]""")]
    [TestCase(FakeImdsServer.ScheduledMaintenancePath, """[{"Code":"system-reboot","EventId":"e","NotBefore":"2019-01-21T09:00:43Z"}]""")]
    public void NoticeReads_MalformedJson_ThrowImdsException(string path, string body)
    {
        _server.Metadata[path] = body;
        using var client = CreateClient(_server.Endpoint);

        Func<Task> read = path switch
        {
            FakeImdsServer.SpotInstanceActionPath => () => client.GetSpotInstanceActionAsync(CancellationToken.None),
            FakeImdsServer.RebalanceRecommendationPath => () => client.GetRebalanceRecommendationAsync(CancellationToken.None),
            _ => () => client.GetScheduledMaintenanceEventsAsync(CancellationToken.None),
        };
        var ex = Assert.ThrowsAsync<ImdsException>(() => read());

        Assert.That(ex, Is.Not.InstanceOf<ImdsUnavailableException>());
        Assert.That(ex.Message, Does.Contain(path));
    }

    private static ImdsClient CreateClient(Uri endpoint, TimeProvider? time = null, Action<ImdsOptions>? configure = null) =>
        new(Options(endpoint, configure), time ?? TimeProvider.System);

    private static ImdsOptions Options(Uri endpoint, Action<ImdsOptions>? configure = null)
    {
        var options = new ImdsOptions { Endpoint = endpoint, RequestTimeout = TimeSpan.FromSeconds(10) };
        configure?.Invoke(options);
        return options;
    }

    // For stubbed handlers, which never open a socket; still loopback so nothing could leave the machine.
    private static Uri LoopbackNowhere() => new("http://127.0.0.1:9/");

    private static int UnusedLoopbackPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    // Waits for the fake to see a request (a condition, not a timing claim); bounded so a bug fails, not hangs.
    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!condition())
        {
            await Task.Delay(TimeSpan.FromMilliseconds(5), bound.Token);
        }
    }

    private sealed class StubHandler(Func<HttpRequestMessage, HttpResponseMessage> respond) : HttpMessageHandler
    {
        public ConcurrentQueue<HttpRequestMessage> Requests { get; } = new();

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Requests.Enqueue(request);
            return Task.FromResult(respond(request));
        }
    }

    private sealed class CapturingLogger : ILogger<ImdsClient>
    {
        public ConcurrentQueue<string> Lines { get; } = new();

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var properties = state is IEnumerable<KeyValuePair<string, object?>> pairs ? string.Join(";", pairs.Select(p => $"{p.Key}={p.Value}")) : string.Empty;
            Lines.Enqueue($"{eventId.Id} {formatter(state, exception)} {properties} {exception}");
        }
    }
}
