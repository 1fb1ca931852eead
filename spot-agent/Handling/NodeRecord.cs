namespace Spotable.SpotAgent.Handling;

/// <summary>
/// What the agent has done about one notice, kept as a JSON annotation on the Node so that an agent restarted in
/// the middle resumes where its predecessor stopped instead of repeating (no second SQS message, no second cordon).
/// </summary>
internal sealed record NodeRecord
{
    public required string Id { get; init; }

    public required string Kind { get; init; }

    public string? Action { get; init; }

    public required string NoticeTime { get; init; }

    public string? Deadline { get; init; }

    /// <summary>True only when the node was schedulable before the agent cordoned it: only then may the agent uncordon it.</summary>
    public bool CordonedByAgent { get; init; }

    public bool Cordoned { get; init; }

    public bool Notified { get; init; }

    public bool GamesSignalled { get; init; }

    public bool Drained { get; init; }
}
