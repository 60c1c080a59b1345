using Bulwark;

namespace PaperTrader;

/// <summary>
/// The bridge's event store: in memory (the sample persists its trading state in the trading journal, not here), each
/// trading event printed as one `event` line as it is appended (rejection tallies excepted).
/// </summary>
internal sealed class PrintingEventStore : IEventStore
{
    private readonly Lock _gate = new();
    private readonly List<SafetyEvent> _events = [];

    public ValueTask<long> AppendAsync(SafetyEvent safetyEvent, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(safetyEvent);
        if (safetyEvent.Kind != Bulwark.Trading.TradingEventKinds.Rejections)
        {
            Console.Out.WriteLine($"event kind={safetyEvent.Kind} subject={safetyEvent.Subject} from={safetyEvent.From} to={safetyEvent.To} actor={safetyEvent.Actor} cause=\"{safetyEvent.Cause}\"");
        }

        lock (_gate)
        {
            _events.Add(safetyEvent with { Sequence = _events.Count + 1 });
            return ValueTask.FromResult((long)_events.Count);
        }
    }

    public ValueTask<IReadOnlyList<SafetyEvent>> ReadAsync(EventQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        lock (_gate)
        {
            return ValueTask.FromResult<IReadOnlyList<SafetyEvent>>(
                [.. _events.Where(e => e.Sequence > (query.AfterSequence ?? 0) && (query.Since is not { } since || e.Time >= since) &&
                    (query.KindPrefix is not { } prefix || e.Kind.StartsWith(prefix, StringComparison.Ordinal)) && (query.Subject is null || e.Subject == query.Subject))]);
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
