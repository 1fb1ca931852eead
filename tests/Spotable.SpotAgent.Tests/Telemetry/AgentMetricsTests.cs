using Microsoft.Extensions.DependencyInjection;
using Spotable.SpotAgent.Telemetry;
using Spotable.Testing;

namespace Spotable.SpotAgent.Tests.Telemetry;

public sealed class AgentMetricsTests
{
    private FakeTimeProvider _time = null!;
    private ServiceProvider _services = null!;
    private AgentMetrics _metrics = null!;

    [SetUp]
    public void SetUp()
    {
        _time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));
        _services = new ServiceCollection().AddSingleton<TimeProvider>(_time).AddAgentTelemetry().BuildServiceProvider();

        // Only the metrics are resolved here, the way the agent gets them: recording must not depend on /metrics
        // having been scraped (the exporter is resolved by Render, after the measurements).
        _metrics = _services.GetRequiredService<AgentMetrics>();
    }

    [TearDown]
    public void TearDown() => _services.Dispose();

    private string Render() => _services.GetRequiredService<PrometheusExporter>().Render();

    [Test]
    public void RecordPoll_ResultsAndTime_CountedByResultWithLastPollTimestamp()
    {
        _metrics.RecordPoll(AgentMetrics.PollResults.Ok);
        _metrics.RecordPoll(AgentMetrics.PollResults.Ok);
        _time.Advance(TimeSpan.FromMilliseconds(1500));
        _metrics.RecordPoll(AgentMetrics.PollResults.Throttled);

        var text = Render();

        Assert.Multiple(() =>
        {
            Assert.That(text, Does.Contain("# TYPE spotable_imds_polls_total counter\n"));
            Assert.That(text, Does.Contain("spotable_imds_polls_total{result=\"ok\"} 2\n"));
            Assert.That(text, Does.Contain("spotable_imds_polls_total{result=\"throttled\"} 1\n"));
            Assert.That(text, Does.Contain("# TYPE spotable_last_poll_timestamp_seconds gauge\n"));
            Assert.That(text, Does.Contain("spotable_last_poll_timestamp_seconds 1772366401.5\n"));
        });
    }

    [Test]
    public void Render_BeforeAnyPoll_HasNoLastPollTimestamp()
    {
        _metrics.RecordNotice(AgentMetrics.NoticeKinds.Rebalance);

        Assert.That(Render(), Does.Not.Contain("spotable_last_poll_timestamp_seconds"));
    }

    [Test]
    public void RecordNoticeAndPodSignalled_Labels_CountedPerLabelSet()
    {
        _metrics.RecordNotice(AgentMetrics.NoticeKinds.SpotInterruption);
        _metrics.RecordNotice(AgentMetrics.NoticeKinds.Maintenance);
        _metrics.RecordPodSignalled(AgentMetrics.PodKinds.Game, AgentMetrics.SignalMethods.Delete);
        _metrics.RecordPodSignalled(AgentMetrics.PodKinds.Game, AgentMetrics.SignalMethods.Delete);
        _metrics.RecordPodSignalled(AgentMetrics.PodKinds.Other, AgentMetrics.SignalMethods.Evict);

        var text = Render();

        Assert.Multiple(() =>
        {
            Assert.That(text, Does.Contain("spotable_notices_total{kind=\"maintenance\"} 1\n"));
            Assert.That(text, Does.Contain("spotable_notices_total{kind=\"spot_interruption\"} 1\n"));
            Assert.That(text, Does.Contain("spotable_pods_signalled_total{kind=\"game\",method=\"delete\"} 2\n"));
            Assert.That(text, Does.Contain("spotable_pods_signalled_total{kind=\"other\",method=\"evict\"} 1\n"));
        });
    }

    [Test]
    public void RecordNoticeToSigterm_Durations_SecondsInSubSecondBuckets()
    {
        _metrics.RecordNoticeToSigterm(TimeSpan.FromMilliseconds(80));
        _metrics.RecordNoticeToSigterm(TimeSpan.FromSeconds(1.5));

        var text = Render();

        Assert.Multiple(() =>
        {
            Assert.That(text, Does.Contain("# TYPE spotable_notice_to_sigterm_seconds histogram\n"));
            Assert.That(text, Does.Contain("spotable_notice_to_sigterm_seconds_bucket{le=\"0.05\"} 0\n"));
            Assert.That(text, Does.Contain("spotable_notice_to_sigterm_seconds_bucket{le=\"0.1\"} 1\n"));
            Assert.That(text, Does.Contain("spotable_notice_to_sigterm_seconds_bucket{le=\"1\"} 1\n"));
            Assert.That(text, Does.Contain("spotable_notice_to_sigterm_seconds_bucket{le=\"2\"} 2\n"));
            Assert.That(text, Does.Contain("spotable_notice_to_sigterm_seconds_bucket{le=\"120\"} 2\n"));
            Assert.That(text, Does.Contain("spotable_notice_to_sigterm_seconds_bucket{le=\"+Inf\"} 2\n"));
            Assert.That(text, Does.Contain("spotable_notice_to_sigterm_seconds_sum 1.58\n"));
            Assert.That(text, Does.Contain("spotable_notice_to_sigterm_seconds_count 2\n"));
        });
    }

    [Test]
    public void RecordNoticeToSigterm_NegativeFromClockSkew_RecordedAsZero()
    {
        _metrics.RecordNoticeToSigterm(TimeSpan.FromSeconds(-3));

        var text = Render();

        Assert.Multiple(() =>
        {
            Assert.That(text, Does.Contain("spotable_notice_to_sigterm_seconds_bucket{le=\"0.05\"} 1\n"));
            Assert.That(text, Does.Contain("spotable_notice_to_sigterm_seconds_sum 0\n"));
        });
    }

    [Test]
    public void RecordSqsPublishDrainAndKubernetesError_Recorded_Exposed()
    {
        _metrics.RecordSqsPublish(ok: true);
        _metrics.RecordSqsPublish(ok: false);
        _metrics.RecordSqsPublish(ok: false);
        _metrics.RecordDrainDuration(TimeSpan.FromSeconds(95));
        _metrics.RecordKubernetesError("evict");

        var text = Render();

        Assert.Multiple(() =>
        {
            Assert.That(text, Does.Contain("spotable_sqs_publishes_total{result=\"error\"} 2\n"));
            Assert.That(text, Does.Contain("spotable_sqs_publishes_total{result=\"ok\"} 1\n"));
            Assert.That(text, Does.Contain("spotable_drain_duration_seconds_bucket{le=\"90\"} 0\n"));
            Assert.That(text, Does.Contain("spotable_drain_duration_seconds_bucket{le=\"120\"} 1\n"));
            Assert.That(text, Does.Contain("spotable_drain_duration_seconds_sum 95\n"));
            Assert.That(text, Does.Contain("spotable_kubernetes_errors_total{operation=\"evict\"} 1\n"));
        });
    }

    [Test]
    public void Render_EveryInstrumentRecorded_ExposesTheDocumentedFamiliesInOrder()
    {
        _metrics.RecordPoll(AgentMetrics.PollResults.NotFound);
        _metrics.RecordNotice(AgentMetrics.NoticeKinds.SpotInterruption);
        _metrics.RecordPodSignalled(AgentMetrics.PodKinds.Game, AgentMetrics.SignalMethods.Delete);
        _metrics.RecordNoticeToSigterm(TimeSpan.FromSeconds(0.3));
        _metrics.RecordSqsPublish(ok: true);
        _metrics.RecordDrainDuration(TimeSpan.FromSeconds(40));
        _metrics.RecordKubernetesError("patch_node");

        var types = Render().Split('\n').Where(l => l.StartsWith("# TYPE ", StringComparison.Ordinal)).ToArray();

        Assert.That(types, Is.EqualTo(new[]
        {
            "# TYPE spotable_drain_duration_seconds histogram",
            "# TYPE spotable_imds_polls_total counter",
            "# TYPE spotable_kubernetes_errors_total counter",
            "# TYPE spotable_last_poll_timestamp_seconds gauge",
            "# TYPE spotable_notice_to_sigterm_seconds histogram",
            "# TYPE spotable_notices_total counter",
            "# TYPE spotable_pods_signalled_total counter",
            "# TYPE spotable_sqs_publishes_total counter",
        }));
    }

    [Test]
    public void Render_TwoContainersInOneProcess_EachSeesOnlyItsOwnMeasurements()
    {
        using var other = new ServiceCollection().AddAgentTelemetry().BuildServiceProvider();
        other.GetRequiredService<AgentMetrics>().RecordNotice(AgentMetrics.NoticeKinds.Rebalance);
        _metrics.RecordNotice(AgentMetrics.NoticeKinds.SpotInterruption);

        var text = Render();

        Assert.Multiple(() =>
        {
            Assert.That(text, Does.Contain("spotable_notices_total{kind=\"spot_interruption\"} 1\n"));
            Assert.That(text, Does.Not.Contain("rebalance"));
        });
    }
}
