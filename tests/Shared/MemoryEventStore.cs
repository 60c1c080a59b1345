namespace Bulwark.Tests.Shared;

/// <summary>A node's own event log in memory, through the public interface only (for test projects outside the core's friends).</summary>
public sealed class MemoryEventStore : IEventStore
{
    private readonly List<SafetyEvent> _events = [];

    public ValueTask<long> AppendAsync(SafetyEvent safetyEvent, CancellationToken cancellationToken = default)
    {
        lock (_events)
        {
            _events.Add(safetyEvent with { Sequence = _events.Count + 1 });
            return ValueTask.FromResult((long)_events.Count);
        }
    }

    public ValueTask<IReadOnlyList<SafetyEvent>> ReadAsync(EventQuery query, CancellationToken cancellationToken = default)
    {
        lock (_events)
        {
            return ValueTask.FromResult<IReadOnlyList<SafetyEvent>>(
                _events.Where(e => query.KindPrefix is null || e.Kind.StartsWith(query.KindPrefix, StringComparison.Ordinal)).ToList());
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
