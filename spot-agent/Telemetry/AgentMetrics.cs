using System.Diagnostics.Metrics;

namespace Spotable.SpotAgent.Telemetry;

/// <summary>
/// The instruments the node agent records, on the <c>Spotable.SpotAgent</c> meter. Names are final Prometheus names
/// (PrometheusExporter writes them as they are). Recording never throws: metrics must not take the agent down.
/// </summary>
internal sealed class AgentMetrics
{
    public const string MeterName = "Spotable.SpotAgent";

    // Notice-to-SIGTERM is the number the project exists for: sub-second is the goal, two minutes the Spot deadline.
    private static readonly double[] s_noticeToSigtermBuckets = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120];

    // A Spot drain ends by the two-minute deadline; a maintenance drain may run until NotBefore, much later.
    private static readonly double[] s_drainBuckets = [1, 2, 5, 10, 20, 30, 60, 90, 120, 180, 300, 600];

    private readonly TimeProvider _time;
    private readonly Counter<long> _polls;
    private readonly Counter<long> _notices;
    private readonly Counter<long> _podsSignalled;
    private readonly Histogram<double> _noticeToSigterm;
    private readonly Counter<long> _sqsPublishes;
    private readonly Histogram<double> _drainDuration;
    private readonly Counter<long> _kubernetesErrors;
    private long _lastPollUnixMilliseconds = -1;

    public AgentMetrics(IMeterFactory meterFactory, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        ArgumentNullException.ThrowIfNull(time);
        _time = time;

        // The factory owns (and disposes) the meter; its scope lets an exporter see only this host's meters.
        var meter = meterFactory.Create(MeterName);
        _polls = meter.CreateCounter<long>(
            "spotable_imds_polls_total", "{poll}", "IMDS polls by result.");
        _notices = meter.CreateCounter<long>(
            "spotable_notices_total", "{notice}", "New notices seen in IMDS by kind.");
        _podsSignalled = meter.CreateCounter<long>(
            "spotable_pods_signalled_total", "{pod}", "Pods the agent deleted or evicted, by kind of pod and method.");
        _noticeToSigterm = meter.CreateHistogram(
            "spotable_notice_to_sigterm_seconds",
            "s",
            "Seconds from a notice's time to the delete call that sends SIGTERM to the game pods.",
            tags: null,
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = s_noticeToSigtermBuckets });
        _sqsPublishes = meter.CreateCounter<long>(
            "spotable_sqs_publishes_total", "{message}", "SQS messages published, by result.");
        _drainDuration = meter.CreateHistogram(
            "spotable_drain_duration_seconds",
            "s",
            "Seconds from the start of a drain until every pod on the node was handled.",
            tags: null,
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = s_drainBuckets });
        _kubernetesErrors = meter.CreateCounter<long>(
            "spotable_kubernetes_errors_total", "{error}", "Failed Kubernetes API calls, by operation.");
        meter.CreateObservableGauge(
            "spotable_last_poll_timestamp_seconds", ObserveLastPoll, "s", "Unix time of the last IMDS poll, whatever its result.");
    }

    public void RecordPoll(string result)
    {
        Interlocked.Exchange(ref _lastPollUnixMilliseconds, _time.GetUtcNow().ToUnixTimeMilliseconds());
        _polls.Add(1, new KeyValuePair<string, object?>("result", result));
    }

    public void RecordNotice(string kind) => _notices.Add(1, new KeyValuePair<string, object?>("kind", kind));

    public void RecordPodSignalled(string kind, string method) =>
        _podsSignalled.Add(1, new KeyValuePair<string, object?>("kind", kind), new KeyValuePair<string, object?>("method", method));

    public void RecordNoticeToSigterm(TimeSpan elapsed) => _noticeToSigterm.Record(NonNegativeSeconds(elapsed));

    public void RecordSqsPublish(bool ok) =>
        _sqsPublishes.Add(1, new KeyValuePair<string, object?>("result", ok ? SqsResults.Ok : SqsResults.Error));

    public void RecordDrainDuration(TimeSpan elapsed) => _drainDuration.Record(NonNegativeSeconds(elapsed));

    public void RecordKubernetesError(string operation) =>
        _kubernetesErrors.Add(1, new KeyValuePair<string, object?>("operation", operation));

    // The notice time comes from EC2's clock and SIGTERM is stamped by ours; a little skew must not make a negative
    // observation (Prometheus histograms assume non-negative values for _sum to stay monotonic).
    private static double NonNegativeSeconds(TimeSpan elapsed) => Math.Max(0, elapsed.TotalSeconds);

    private IEnumerable<Measurement<double>> ObserveLastPoll()
    {
        var unixMilliseconds = Interlocked.Read(ref _lastPollUnixMilliseconds);

        // Before the first poll there is no sample rather than a misleading 1970.
        return unixMilliseconds < 0 ? [] : [new Measurement<double>(unixMilliseconds / 1000.0)];
    }

    /// <summary>Values of the <c>result</c> label of <c>spotable_imds_polls_total</c>.</summary>
    public static class PollResults
    {
        public const string Ok = "ok";
        public const string NotFound = "not_found";
        public const string Unauthorized = "unauthorized";
        public const string Throttled = "throttled";
        public const string ServerError = "server_error";
        public const string Timeout = "timeout";
        public const string BadJson = "bad_json";
        public const string Error = "error";
    }

    /// <summary>Values of the <c>kind</c> label of <c>spotable_notices_total</c>.</summary>
    public static class NoticeKinds
    {
        public const string SpotInterruption = "spot_interruption";
        public const string Rebalance = "rebalance";
        public const string Maintenance = "maintenance";
    }

    /// <summary>Values of the <c>kind</c> and <c>method</c> labels of <c>spotable_pods_signalled_total</c>.</summary>
    public static class PodKinds
    {
        public const string Game = "game";
        public const string Other = "other";
    }

    public static class SignalMethods
    {
        public const string Delete = "delete";
        public const string Evict = "evict";
    }

    /// <summary>Values of the <c>result</c> label of <c>spotable_sqs_publishes_total</c>.</summary>
    public static class SqsResults
    {
        public const string Ok = "ok";
        public const string Error = "error";
    }
}
