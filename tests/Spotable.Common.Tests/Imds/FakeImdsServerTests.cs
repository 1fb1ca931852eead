using System.Net;
using Spotable.Testing;
using Spotable.Testing.FakeImds;

namespace Spotable.Common.Tests.Imds;

/// <summary>The fake must reject what real IMDS rejects, or the client tests prove nothing.</summary>
public sealed class FakeImdsServerTests
{
    private FakeImdsServer _server = null!;
    private HttpClient _http = null!;

    [SetUp]
    public async Task SetUp()
    {
        _server = await FakeImdsServer.StartAsync();
        _http = new HttpClient { BaseAddress = _server.Endpoint };
    }

    [TearDown]
    public async Task TearDown()
    {
        _http.Dispose();
        await _server.DisposeAsync();
    }

    [Test]
    public void Endpoint_Always_IsLoopback() =>
        Assert.That(IPAddress.IsLoopback(IPAddress.Parse(_server.Endpoint.Host)), Is.True);

    [TestCase(null)]
    [TestCase("0")]
    [TestCase("21601")]
    [TestCase("-5")]
    [TestCase("six hours")]
    public async Task TokenPut_MissingOrOutOfRangeTtl_Returns400(string? ttl)
    {
        using var response = await PutTokenAsync(ttl);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
    }

    [TestCase("1")]
    [TestCase("21600")]
    public async Task TokenPut_ValidTtl_ReturnsTokenAndEchoesTtl(string ttl)
    {
        using var response = await PutTokenAsync(ttl);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await response.Content.ReadAsStringAsync(), Is.Not.Empty);
        Assert.That(response.Headers.GetValues(FakeImdsServer.TokenTtlHeader).Single(), Is.EqualTo(ttl));
        Assert.That(_server.TokenRequests, Is.EqualTo(1));
    }

    [Test]
    public async Task Read_RequireTokenWithoutToken_Returns401()
    {
        _server.RequireToken = true;

        using var response = await _http.GetAsync(new Uri("/latest/meta-data/instance-id", UriKind.Relative));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
    }

    [Test]
    public async Task Read_UnknownTokenWhenTokensOptional_Returns401()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/latest/meta-data/instance-id");
        request.Headers.Add(FakeImdsServer.TokenHeader, "made-up");

        using var response = await _http.SendAsync(request);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
    }

    [Test]
    public async Task Read_TokenPastTtlOnServerClock_Returns401()
    {
        var clock = new FakeTimeProvider();
        await using var server = await FakeImdsServer.StartAsync(clock);
        using var http = new HttpClient { BaseAddress = server.Endpoint };
        using var put = new HttpRequestMessage(HttpMethod.Put, "/latest/api/token");
        put.Headers.Add(FakeImdsServer.TokenTtlHeader, "10");
        using var tokenResponse = await http.SendAsync(put);
        var token = await tokenResponse.Content.ReadAsStringAsync();

        clock.Advance(TimeSpan.FromSeconds(9));
        var before = await ReadWithTokenAsync(http, token);
        clock.Advance(TimeSpan.FromSeconds(1));
        var after = await ReadWithTokenAsync(http, token);

        Assert.That((before, after), Is.EqualTo((HttpStatusCode.OK, HttpStatusCode.Unauthorized)));
    }

    [Test]
    public async Task Read_MissingPath_Returns404AndCountsTheRead()
    {
        _server.Metadata.TryRemove("public-ipv4", out _);

        using var response = await _http.GetAsync(new Uri("/latest/meta-data/public-ipv4", UriKind.Relative));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(_server.ReadCount("public-ipv4"), Is.EqualTo(1));
        Assert.That(_server.UnauthenticatedReads, Is.EqualTo(1));
    }

    [Test]
    public async Task FailNextRequests_Count_FailsExactlyThatManyRequests()
    {
        _server.FailNextRequests(2, 503);

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
        {
            using var response = await _http.GetAsync(new Uri("/latest/meta-data/instance-id", UriKind.Relative));
            statuses.Add(response.StatusCode);
        }

        Assert.That(statuses, Is.EqualTo(new[] { HttpStatusCode.ServiceUnavailable, HttpStatusCode.ServiceUnavailable, HttpStatusCode.OK }));
    }

    [Test]
    public async Task Disabled403_AnyRequest_Returns403()
    {
        _server.Disabled403 = true;

        using var token = await PutTokenAsync("60");
        using var read = await _http.GetAsync(new Uri("/latest/meta-data/instance-id", UriKind.Relative));

        Assert.That((token.StatusCode, read.StatusCode), Is.EqualTo((HttpStatusCode.Forbidden, HttpStatusCode.Forbidden)));
    }

    private static async Task<HttpStatusCode> ReadWithTokenAsync(HttpClient http, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/latest/meta-data/instance-id");
        request.Headers.Add(FakeImdsServer.TokenHeader, token);
        using var response = await http.SendAsync(request);
        return response.StatusCode;
    }

    private async Task<HttpResponseMessage> PutTokenAsync(string? ttl)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, "/latest/api/token");
        if (ttl is not null)
        {
            request.Headers.Add(FakeImdsServer.TokenTtlHeader, ttl);
        }

        return await _http.SendAsync(request);
    }
}
