namespace Bulwark.Trading;

/// <summary>
/// Why an order was rejected. Stable names and numbers: dashboards, events and engines match on them.
/// Never renumber; add new reasons at the end.
/// </summary>
public enum RiskRejectReason
{
    /// <summary>Not rejected.</summary>
    None = 0,

    /// <summary>A kill switch covering the order's firm, account, strategy or symbol is engaged.</summary>
    KillSwitchEngaged = 1,

    /// <summary>The trading state of a scope covering the order is Halted.</summary>
    TradingHalted = 2,

    /// <summary>Trading state Reducing, and the order could grow or flip the position, counting working orders.</summary>
    ReduceOnly = 3,

    /// <summary>The strategy was disabled (repeated-execution throttle) and not yet re-enabled by a person.</summary>
    StrategyDisabled = 4,

    /// <summary>Account id not known to the gate.</summary>
    UnknownAccount = 5,

    /// <summary>Strategy id not known to the gate.</summary>
    UnknownStrategy = 6,

    /// <summary>Symbol id not known to the gate.</summary>
    UnknownSymbol = 7,

    /// <summary>The client order id is not positive.</summary>
    InvalidClientOrderId = 8,

    /// <summary>Quantity not positive.</summary>
    InvalidQuantity = 9,

    /// <summary>Limit price not finite and positive.</summary>
    InvalidPrice = 10,

    /// <summary>Limit price not a multiple of the tick size.</summary>
    PriceOffTick = 11,

    /// <summary>Quantity not a multiple of the lot size.</summary>
    QuantityOffLot = 12,

    /// <summary>The symbol is on the restricted list.</summary>
    RestrictedSymbol = 13,

    /// <summary>An enabled check has no limit at any scope (FIA 1.1: no limit means reject).</summary>
    LimitNotConfigured = 14,

    /// <summary>Quantity above the maximum order quantity.</summary>
    MaximumOrderQuantity = 15,

    /// <summary>Notional above the maximum order notional.</summary>
    MaximumOrderNotional = 16,

    /// <summary>No reference price for the symbol.</summary>
    ReferencePriceMissing = 17,

    /// <summary>The reference price is older than its maximum age.</summary>
    ReferencePriceStale = 18,

    /// <summary>Limit price further from the reference price than the collar allows.</summary>
    PriceCollar = 19,

    /// <summary>Worst-case long position (position plus working buys) would exceed the limit.</summary>
    MaximumLongPosition = 20,

    /// <summary>Worst-case short position (position minus working sells) would exceed the limit.</summary>
    MaximumShortPosition = 21,

    /// <summary>Worst-case gross exposure of the account would exceed the limit.</summary>
    MaximumGrossExposure = 22,

    /// <summary>Worst-case net exposure of the account would exceed the limit.</summary>
    MaximumNetExposure = 23,

    /// <summary>Too many working orders on the account.</summary>
    MaximumWorkingOrders = 24,

    /// <summary>Too much working notional on the account.</summary>
    MaximumWorkingNotional = 25,

    /// <summary>The account's message budget is used up.</summary>
    AccountMessageThrottle = 26,

    /// <summary>The firm-wide message budget is used up.</summary>
    FirmMessageThrottle = 27,

    /// <summary>The account's cancel budget is used up.</summary>
    AccountCancelThrottle = 28,

    /// <summary>The firm-wide cancel budget is used up.</summary>
    FirmCancelThrottle = 29,

    /// <summary>The client order id was already used.</summary>
    DuplicateClientOrderId = 30,

    /// <summary>Same account, symbol, side, quantity and price within the duplicate window.</summary>
    DuplicateOrderContent = 31,

    /// <summary>The working-order table is full: the gate cannot track another order, so it refuses it.</summary>
    OrderCapacityExhausted = 32,

    /// <summary>The gate requires leadership of its failover group and this replica does not hold it (or cannot tell).</summary>
    NotLeader = 33,

    /// <summary>Quantity x price x multiplier is not a finite number: a total the gate cannot add up, it cannot bound.</summary>
    NotionalOverflow = 34,

    /// <summary>
    /// The trading journal is not current: the gate is rebuilding from it, a new leader has not yet read the previous
    /// term (or reconciled from a drop copy), or the journal cannot keep up or cannot write. New orders wait; cancels pass.
    /// </summary>
    JournalNotCurrent = 35,
}

/// <summary>
/// The gate's answer: accepted, or a reason with the limit and the value that tripped it. A struct built by
/// factories, so a decision always says why.
/// </summary>
public readonly struct RiskDecision
{
    private RiskDecision(RiskRejectReason reason, double limit, double value, long fencingToken = 0)
    {
        Reason = reason;
        Limit = limit;
        Value = value;
        FencingToken = fencingToken;
    }

    /// <summary><see cref="RiskRejectReason.None"/> when accepted.</summary>
    public RiskRejectReason Reason { get; }

    /// <summary>The limit that tripped (NaN when the reason has no numeric limit).</summary>
    public double Limit { get; }

    /// <summary>The value that was compared with <see cref="Limit"/> (for <see cref="RiskRejectReason.LimitNotConfigured"/>: the <see cref="RiskLimitKind"/> number).</summary>
    public double Value { get; }

    /// <summary>
    /// For an accepted order of a gate that requires leadership: the term's fencing token, to stamp on the
    /// order so the venue or gateway can refuse a deposed leader's late orders. 0 when leadership is not required.
    /// </summary>
    public long FencingToken { get; }

    /// <summary>True when the order may be sent.</summary>
    public bool IsAccepted => Reason == RiskRejectReason.None;

    /// <summary>The accepted decision.</summary>
    public static RiskDecision Accepted => default;

    /// <summary>Accepted under a leadership term: the order carries its token.</summary>
    internal static RiskDecision AcceptedUnder(long fencingToken) => new(RiskRejectReason.None, 0, 0, fencingToken);

    /// <summary>A rejection with the limit and value that tripped.</summary>
    public static RiskDecision Rejected(RiskRejectReason reason, double limit = double.NaN, double value = double.NaN) =>
        new(reason, limit, value);

    /// <inheritdoc />
    public override string ToString() =>
        IsAccepted ? "Accepted" : $"Rejected {Reason} (limit {Limit}, value {Value})";
}
