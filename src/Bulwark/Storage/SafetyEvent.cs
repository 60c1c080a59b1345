namespace Bulwark;

/// <summary>
/// One entry of the append-only event log: a state transition, an audited action (who and why), an
/// incident step. Written to the store before it is reported as recorded.
/// </summary>
public sealed record SafetyEvent
{
    /// <summary>Position in the log, assigned by the store (0 until appended). Only grows.</summary>
    public long Sequence { get; init; }

    /// <summary>When it happened, from the system's <see cref="TimeProvider"/>.</summary>
    public required DateTimeOffset Time { get; init; }

    /// <summary>What kind of event, one of <see cref="EventKinds"/> (stable names).</summary>
    public required string Kind { get; init; }

    /// <summary>What it is about: a component name, <c>system</c>, a scope.</summary>
    public required string Subject { get; init; }

    /// <summary>State before, for transitions.</summary>
    public string? From { get; init; }

    /// <summary>State after, for transitions.</summary>
    public string? To { get; init; }

    /// <summary>Why, in words a person can read.</summary>
    public string? Cause { get; init; }

    /// <summary>Who did it, for actions taken by a person or a program.</summary>
    public string? Actor { get; init; }

    /// <summary>Supporting data as a JSON document (for transitions: the check results that caused it).</summary>
    public string? Evidence { get; init; }
}

/// <summary>Stable event kind names. Never rename one: stores and tools match on them.</summary>
public static class EventKinds
{
    /// <summary>A component changed state.</summary>
    public const string ComponentState = "component.state";

    /// <summary>The system state changed.</summary>
    public const string SystemState = "system.state";

    /// <summary>The safety system started, with its configuration summary as evidence.</summary>
    public const string Started = "bulwark.started";

    /// <summary>The safety system stopped cleanly.</summary>
    public const string Stopped = "bulwark.stopped";
}

/// <summary>Which events to read. Every filter is optional; results come in sequence order.</summary>
public sealed record EventQuery
{
    /// <summary>Only events at or after this time.</summary>
    public DateTimeOffset? Since { get; init; }

    /// <summary>Only events with a sequence greater than this.</summary>
    public long? AfterSequence { get; init; }

    /// <summary>Only events whose kind starts with this text (for example <c>component.</c>).</summary>
    public string? KindPrefix { get; init; }

    /// <summary>Only events about this subject.</summary>
    public string? Subject { get; init; }

    /// <summary>At most this many, the newest ones when there are more (the oldest with <see cref="FromOldest"/>). Default 1,000.</summary>
    public int Limit { get; init; } = 1000;

    /// <summary>When more than <see cref="Limit"/> match, take the oldest: for paging forward with <see cref="AfterSequence"/>.</summary>
    public bool FromOldest { get; init; }
}

/// <summary>The append-only event log. Implementations: SQLite (embedded default), and later PostgreSQL.</summary>
public interface IEventStore : IAsyncDisposable
{
    /// <summary>
    /// Appends the event durably and returns its sequence. When this completes the event is on disk;
    /// when it throws, nothing was written.
    /// </summary>
    ValueTask<long> AppendAsync(SafetyEvent safetyEvent, CancellationToken cancellationToken = default);

    /// <summary>Reads events matching the query, oldest first.</summary>
    ValueTask<IReadOnlyList<SafetyEvent>> ReadAsync(EventQuery query, CancellationToken cancellationToken = default);
}
