using Bulwark.Storage;

namespace Bulwark.Tests.TestSupport;

/// <summary>An event store in memory, for unit tests only; it can be told to fail, to test fail-closed paths.</summary>
internal sealed class InMemoryEventStore : IEventStore, IStatusStore
{
    private readonly Lock _gate = new();
    private readonly List<SafetyEvent> _events = [];
    private StatusReport? _status;

    /// <summary>When set, every append throws this.</summary>
    public Exception? FailAppendsWith { get; set; }

    /// <summary>When set, an append of an event it returns an exception for throws that (a store failing for some writes only).</summary>
    public Func<SafetyEvent, Exception?>? FailAppend { get; set; }

    public IReadOnlyList<SafetyEvent> Events
    {
        get { lock (_gate) { return _events.ToArray(); } }
    }

    public ValueTask<long> AppendAsync(SafetyEvent safetyEvent, CancellationToken cancellationToken = default)
    {
        if ((FailAppendsWith ?? FailAppend?.Invoke(safetyEvent)) is { } failure)
        {
            throw failure;
        }

        lock (_gate)
        {
            var stored = safetyEvent with { Sequence = _events.Count + 1 };
            _events.Add(stored);
            return ValueTask.FromResult(stored.Sequence);
        }
    }

    public ValueTask<IReadOnlyList<SafetyEvent>> ReadAsync(EventQuery query, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            var matching = _events
                .Where(e => query.Since is null || e.Time >= query.Since)
                .Where(e => query.AfterSequence is null || e.Sequence > query.AfterSequence)
                .Where(e => query.KindPrefix is null || e.Kind.StartsWith(query.KindPrefix, StringComparison.Ordinal))
                .Where(e => query.Subject is null || e.Subject == query.Subject);
            IReadOnlyList<SafetyEvent> result = (query.FromOldest ? matching.Take(query.Limit) : matching.TakeLast(query.Limit)).ToArray();
            return ValueTask.FromResult(result);
        }
    }

    public ValueTask WriteStatusAsync(StatusReport report, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            _status = report;
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask<StatusReport?> ReadStatusAsync(CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return ValueTask.FromResult(_status);
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
