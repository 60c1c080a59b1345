namespace Bulwark.Trading.Journal;

/// <summary>
/// One row of the trading journal, as stored: names rather than the gate's dense ids, so a row reads the same to every
/// gate of the installation. Every row carries the fencing token of the term that wrote it (0 for a gate that trades
/// without a failover group) and the writer that wrote it (one id per process start).
/// </summary>
public sealed record JournalRecord
{
    /// <summary>The store's sequence number (commit order); 0 before it is written.</summary>
    public long Sequence { get; init; }

    /// <summary>The fencing token of the writer's term; the store refuses a row older than the newest it holds.</summary>
    public long Token { get; init; }

    /// <summary>Which gate wrote it (one id per process start).</summary>
    public required string Writer { get; init; }

    /// <summary>What the row records.</summary>
    public JournalRecordKind Kind { get; init; }

    /// <summary>When, UTC.</summary>
    public DateTimeOffset Time { get; init; }

    /// <summary>Client order id (orders and reports).</summary>
    public long OrderId { get; init; }

    /// <summary>Execution id (fills).</summary>
    public long ExecutionId { get; init; }

    /// <summary>Account name (orders, sessions, reconciliations).</summary>
    public string? Account { get; init; }

    /// <summary>Strategy name (orders).</summary>
    public string? Strategy { get; init; }

    /// <summary>Symbol (orders, reconciliations).</summary>
    public string? Symbol { get; init; }

    /// <summary>Order side.</summary>
    public OrderSide Side { get; init; }

    /// <summary>Quantity: ordered, filled or reconciled (signed for a reconciled position).</summary>
    public long Quantity { get; init; }

    /// <summary>Price: the order's price x multiplier basis, the fill's price, the average price or a session's equity.</summary>
    public double Price { get; init; }

    /// <summary>For a state row: the scope (<see cref="TradingScope"/> text).</summary>
    public string? Scope { get; init; }

    /// <summary>For a state row: the source (manual, loss_limit, circuit_breaker, repeated_execution); for an order: new or replace.</summary>
    public string? Source { get; init; }

    /// <summary>For a state row: the source's state bits; for a reject: 1 when a venue error.</summary>
    public int State { get; init; }

    /// <summary>Who (a person's name or "bulwark").</summary>
    public string? Actor { get; init; }

    /// <summary>Why.</summary>
    public string? Cause { get; init; }
}
