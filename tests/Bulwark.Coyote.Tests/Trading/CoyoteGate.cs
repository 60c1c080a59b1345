using Bulwark.Trading;
using Microsoft.Extensions.Time.Testing;

namespace Bulwark.Coyote.Tests.Trading;

/// <summary>A small gate with every default check on and generous limits, fed a reference price.</summary>
internal sealed class CoyoteGate
{
    public const double Price = 100;

    public CoyoteGate(Action<RiskGateOptions>? configure = null)
    {
        Time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 2, 9, 0, 0, TimeSpan.Zero));
        var options = new RiskGateOptions { OrderCapacity = 1 << 10 };
        options.Accounts.Add("A1");
        options.Strategies.Add("S1");
        options.Instruments["XYZ"] = new InstrumentOptions { TickSize = 0.01 };
        options.Firm = Bulwark.Tests.Shared.GenerousLimits.Create();
        configure?.Invoke(options);
        Gate = new RiskGate(options, Time);
        Gate.UpdateReferencePrice(0, Price);
    }

    public FakeTimeProvider Time { get; }

    public RiskGate Gate { get; }

    public static OrderRequest Buy(long id, long quantity = 1, double price = Price) => new(id, 0, 0, 0, OrderSide.Buy, quantity, price);

    public static OrderRequest Sell(long id, long quantity = 1, double price = Price) => new(id, 0, 0, 0, OrderSide.Sell, quantity, price);
}

/// <summary>
/// An event store in memory whose appends yield before they land, so the scheduler can run other operations in the
/// middle of a write, as a real store's I/O lets it.
/// </summary>
internal sealed class YieldingStore : IEventStore
{
    private readonly List<SafetyEvent> _events = [];

    public IReadOnlyList<SafetyEvent> Events
    {
        get
        {
            lock (_events)
            {
                return [.. _events];
            }
        }
    }

    /// <summary>When set, appends throw it.</summary>
    public Exception? Failure { get; set; }

    public async ValueTask<long> AppendAsync(SafetyEvent safetyEvent, CancellationToken cancellationToken = default)
    {
        await Task.Yield();
        if (Failure is { } failure)
        {
            throw failure;
        }

        lock (_events)
        {
            _events.Add(safetyEvent with { Sequence = _events.Count + 1 });
            return _events.Count;
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

    /// <summary>The scope's kill-switch state as a restart would restore it: its last kill-switch event.</summary>
    public bool? EngagedOnRestart(string scope) =>
        Events.LastOrDefault(e => e.Subject == scope && e.Kind.StartsWith(TradingEventKinds.KillSwitchPrefix, StringComparison.Ordinal)) is { } last
            ? last.Kind == TradingEventKinds.KillSwitchEngaged
            : null;
}
