namespace Spotable.SpotAgent.Telemetry;

/// <summary>
/// Liveness and readiness of the poll loop, for /healthz and /readyz. Times are monotonic timestamps of the injected
/// clock, so a wall-clock step (NTP) neither kills nor revives the agent.
/// </summary>
internal sealed class AgentHealth
{
    /// <summary>The loop is stalled when it has not completed an iteration in this many poll intervals.</summary>
    public const int StallIntervals = 3;

    private readonly TimeProvider _time;
    private readonly long _startedAt;
    private long _lastIterationAt;
    private int _iterations;
    private volatile bool _ready;

    public AgentHealth(TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(time);
        _time = time;
        _startedAt = time.GetTimestamp();
    }

    /// <summary>True once the agent's first poll and its first Kubernetes check succeeded.</summary>
    public bool IsReady => _ready;

    /// <summary>Time since the loop last completed an iteration, or null before the first one.</summary>
    public TimeSpan? SinceLastIteration =>
        Volatile.Read(ref _iterations) == 0 ? null : _time.GetElapsedTime(Interlocked.Read(ref _lastIterationAt));

    public TimeSpan SinceStart => _time.GetElapsedTime(_startedAt);

    public void MarkIterationCompleted()
    {
        Interlocked.Exchange(ref _lastIterationAt, _time.GetTimestamp());
        Volatile.Write(ref _iterations, 1);
    }

    public void MarkReady() => _ready = true;

    /// <summary>
    /// False when no iteration completed in the last <see cref="StallIntervals"/> intervals. Before the first
    /// iteration the same allowance runs from construction, so a loop that never gets going is caught too.
    /// </summary>
    public bool IsAlive(TimeSpan pollInterval)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(pollInterval, TimeSpan.Zero);
        var quiet = SinceLastIteration ?? SinceStart;
        return quiet <= pollInterval * StallIntervals;
    }
}
