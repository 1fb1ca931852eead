using System.Diagnostics.Metrics;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Spotable.SpotAgent.Telemetry;
using Spotable.Testing;

namespace Spotable.SpotAgent.Tests.Telemetry;

/// <summary>Integration: the endpoints on a real Kestrel bound to 127.0.0.1:0, the agent's clock faked.</summary>
public sealed class HealthEndpointsTests
{
    private static readonly TimeSpan s_interval = TimeSpan.FromSeconds(1);

    private FakeTimeProvider _time = null!;
    private WebApplication _app = null!;
    private HttpClient _http = null!;

    [SetUp]
    public async Task SetUp()
    {
        _time = new FakeTimeProvider();
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = "Testing" });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<TimeProvider>(_time).AddAgentTelemetry();
        _app = builder.Build();
        _app.MapAgentHealthEndpoints(s_interval);
        await _app.StartAsync();

        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        _http = new HttpClient { BaseAddress = new Uri(address) };
    }

    [TearDown]
    public async Task TearDown()
    {
        _http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    [Test]
    public async Task Healthz_LoopIteratesThenStalls_200Then503WithAge()
    {
        var health = _app.Services.GetRequiredService<AgentHealth>();
        health.MarkIterationCompleted();

        using var alive = await _http.GetAsync("/healthz");
        var aliveBody = await alive.Content.ReadAsStringAsync();
        _time.Advance(TimeSpan.FromSeconds(4.2));
        using var stalled = await _http.GetAsync("/healthz");
        var stalledBody = await stalled.Content.ReadAsStringAsync();

        Assert.Multiple(() =>
        {
            Assert.That(alive.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(aliveBody, Is.EqualTo("ok"));
            Assert.That(stalled.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
            Assert.That(stalledBody, Is.EqualTo("loop stalled: last iteration 4.2 s ago"));
            Assert.That(stalled.Headers.CacheControl?.NoStore, Is.True);
        });
    }

    [Test]
    public async Task Healthz_NoIterationSinceStart_503AfterStartupAllowance()
    {
        // The allowance runs from when AgentHealth was built, which AddAgentTelemetry does on first resolve.
        _ = _app.Services.GetRequiredService<AgentHealth>();
        using var starting = await _http.GetAsync("/healthz");

        _time.Advance(TimeSpan.FromSeconds(5));
        using var neverIterated = await _http.GetAsync("/healthz");

        Assert.Multiple(async () =>
        {
            Assert.That(starting.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(neverIterated.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
            Assert.That(await neverIterated.Content.ReadAsStringAsync(), Does.StartWith("loop stalled: no iteration completed in "));
        });
    }

    [Test]
    public async Task Readyz_BeforeAndAfterMarkReady_503Then200()
    {
        using var before = await _http.GetAsync("/readyz");
        _app.Services.GetRequiredService<AgentHealth>().MarkReady();
        using var after = await _http.GetAsync("/readyz");

        Assert.Multiple(async () =>
        {
            Assert.That(before.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
            Assert.That(after.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(await after.Content.ReadAsStringAsync(), Is.EqualTo("ready"));
        });
    }

    [Test]
    public async Task Metrics_Get_PrometheusContentTypeAndRecordedSeries()
    {
        var metrics = _app.Services.GetRequiredService<AgentMetrics>();
        metrics.RecordPoll(AgentMetrics.PollResults.Ok);
        metrics.RecordPodSignalled(AgentMetrics.PodKinds.Game, AgentMetrics.SignalMethods.Delete);

        using var response = await _http.GetAsync("/metrics");
        var body = await response.Content.ReadAsStringAsync();

        Assert.Multiple(() =>
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(response.Content.Headers.ContentType?.ToString(), Is.EqualTo("text/plain; version=0.0.4; charset=utf-8"));
            Assert.That(body, Does.Contain("# TYPE spotable_imds_polls_total counter\nspotable_imds_polls_total{result=\"ok\"} 1\n"));
            Assert.That(body, Does.Contain("spotable_pods_signalled_total{kind=\"game\",method=\"delete\"} 1\n"));
            Assert.That(body, Does.Contain("spotable_last_poll_timestamp_seconds 1767225600\n"));
        });
    }

    [Test]
    public async Task Metrics_HostMetersInTheSameContainer_NotExported()
    {
        // Kestrel and hosting record on their own meters from this container's factory; /metrics is the agent's only.
        _app.Services.GetRequiredService<IMeterFactory>().Create("Spotable.Tests.Foreign").CreateCounter<long>("foreign_total").Add(1);
        _app.Services.GetRequiredService<AgentMetrics>().RecordSqsPublish(ok: true);
        using var warmUp = await _http.GetAsync("/healthz");

        var body = await _http.GetStringAsync("/metrics");

        Assert.Multiple(() =>
        {
            Assert.That(body, Does.Contain("spotable_sqs_publishes_total{result=\"ok\"} 1\n"));
            Assert.That(body, Does.Not.Contain("foreign_total"));
            Assert.That(body, Does.Not.Contain("kestrel"));
            Assert.That(body, Does.Not.Contain("http_server"));
        });
    }

    [Test]
    public async Task Healthz_Post_MethodNotAllowed()
    {
        using var content = new StringContent("");
        using var response = await _http.PostAsync("/healthz", content);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.MethodNotAllowed));
    }
}
