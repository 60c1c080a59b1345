namespace Bulwark.Trading;

/// <summary>
/// The numeric limits, in a stable order (the index into the compiled limit table). Each is configurable at
/// firm, account, strategy and symbol scope; the tightest (smallest) applicable value wins.
/// </summary>
public enum RiskLimitKind
{
    /// <summary>Largest quantity of one order.</summary>
    MaximumOrderQuantity = 0,

    /// <summary>Largest notional (quantity x price x multiplier) of one order.</summary>
    MaximumOrderNotional = 1,

    /// <summary>Price collar as a percentage of the reference price.</summary>
    PriceCollarPercent = 2,

    /// <summary>Price collar as a number of ticks from the reference price.</summary>
    PriceCollarTicks = 3,

    /// <summary>Largest long position per account and symbol, counting working buys.</summary>
    MaximumLongPosition = 4,

    /// <summary>Largest short position per account and symbol (a positive number), counting working sells.</summary>
    MaximumShortPosition = 5,

    /// <summary>Largest gross exposure (notional) per account, counting working orders.</summary>
    MaximumGrossExposure = 6,

    /// <summary>Largest net exposure (notional, either direction) per account, counting working orders.</summary>
    MaximumNetExposure = 7,

    /// <summary>Most working orders per account.</summary>
    MaximumWorkingOrders = 8,

    /// <summary>Most working notional per account.</summary>
    MaximumWorkingNotional = 9,

    /// <summary>New orders and replaces per second (token bucket, burst of one second's worth).</summary>
    MaximumMessagesPerSecond = 10,

    /// <summary>Cancels per second: its own budget, which must be at least the message budget.</summary>
    MaximumCancelsPerSecond = 11,

    /// <summary>Largest daily loss (realized plus unrealized, a positive amount).</summary>
    MaximumDailyLoss = 12,

    /// <summary>Largest fall of equity from its intraday peak (a positive amount).</summary>
    MaximumDrawdown = 13,

    /// <summary>Most fills in one symbol and direction within the repeated-execution window before the strategy is disabled.</summary>
    MaximumRepeatedExecutions = 14,
}

/// <summary>
/// Limits at one scope (firm, an account, a strategy or a symbol). Null means "not set at this scope"; when
/// no scope sets a limit that an enabled check needs, the order is rejected. At firm scope, message
/// throttles and loss limits apply both to the firm as a whole and as a cap for every account.
/// </summary>
public sealed class RiskLimits
{
    /// <summary>Largest quantity of one order.</summary>
    public long? MaximumOrderQuantity { get; set; }

    /// <summary>Largest notional of one order.</summary>
    public double? MaximumOrderNotional { get; set; }

    /// <summary>Price collar in percent of the reference price (for example 5 for 5 %).</summary>
    public double? PriceCollarPercent { get; set; }

    /// <summary>Price collar in ticks from the reference price.</summary>
    public long? PriceCollarTicks { get; set; }

    /// <summary>Largest long position per account and symbol, counting working buys.</summary>
    public long? MaximumLongPosition { get; set; }

    /// <summary>Largest short position per account and symbol, as a positive quantity.</summary>
    public long? MaximumShortPosition { get; set; }

    /// <summary>Largest gross exposure per account.</summary>
    public double? MaximumGrossExposure { get; set; }

    /// <summary>Largest net exposure per account.</summary>
    public double? MaximumNetExposure { get; set; }

    /// <summary>Most working orders per account.</summary>
    public long? MaximumWorkingOrders { get; set; }

    /// <summary>Most working notional per account.</summary>
    public double? MaximumWorkingNotional { get; set; }

    /// <summary>New orders and replaces per second.</summary>
    public double? MaximumMessagesPerSecond { get; set; }

    /// <summary>Cancels per second.</summary>
    public double? MaximumCancelsPerSecond { get; set; }

    /// <summary>Largest daily loss.</summary>
    public double? MaximumDailyLoss { get; set; }

    /// <summary>Largest drawdown from the intraday equity peak.</summary>
    public double? MaximumDrawdown { get; set; }

    /// <summary>Most fills in one symbol and direction within <see cref="RiskGateOptions.RepeatedExecutionWindow"/>.</summary>
    public long? MaximumRepeatedExecutions { get; set; }

    internal double? Get(RiskLimitKind kind) => kind switch
    {
        RiskLimitKind.MaximumOrderQuantity => MaximumOrderQuantity,
        RiskLimitKind.MaximumOrderNotional => MaximumOrderNotional,
        RiskLimitKind.PriceCollarPercent => PriceCollarPercent,
        RiskLimitKind.PriceCollarTicks => PriceCollarTicks,
        RiskLimitKind.MaximumLongPosition => MaximumLongPosition,
        RiskLimitKind.MaximumShortPosition => MaximumShortPosition,
        RiskLimitKind.MaximumGrossExposure => MaximumGrossExposure,
        RiskLimitKind.MaximumNetExposure => MaximumNetExposure,
        RiskLimitKind.MaximumWorkingOrders => MaximumWorkingOrders,
        RiskLimitKind.MaximumWorkingNotional => MaximumWorkingNotional,
        RiskLimitKind.MaximumMessagesPerSecond => MaximumMessagesPerSecond,
        RiskLimitKind.MaximumCancelsPerSecond => MaximumCancelsPerSecond,
        RiskLimitKind.MaximumDailyLoss => MaximumDailyLoss,
        RiskLimitKind.MaximumDrawdown => MaximumDrawdown,
        RiskLimitKind.MaximumRepeatedExecutions => MaximumRepeatedExecutions,
        _ => null,
    };

    internal RiskLimits Clone() => (RiskLimits)MemberwiseClone();
}

/// <summary>
/// The checks that can be switched off. Kill switch, trading state, order validity and the duplicate client order
/// id check (the gate tracks each order by its id) are always on.
/// </summary>
[Flags]
public enum RiskChecks
{
    /// <summary>Only the checks that are always on.</summary>
    None = 0,

    /// <summary>Maximum order quantity.</summary>
    MaximumOrderQuantity = 1 << 0,

    /// <summary>Maximum order notional.</summary>
    MaximumOrderNotional = 1 << 1,

    /// <summary>Price collar (percent and/or ticks; at least one must be configured).</summary>
    PriceCollar = 1 << 2,

    /// <summary>Long and short position limits per account and symbol.</summary>
    PositionLimits = 1 << 3,

    /// <summary>Gross and net exposure per account.</summary>
    ExposureLimits = 1 << 4,

    /// <summary>Working-order count and notional per account.</summary>
    WorkingOrderLimits = 1 << 5,

    /// <summary>Message and cancel throttles, per account and firm-wide.</summary>
    MessageThrottles = 1 << 6,

    /// <summary>Duplicate content within <see cref="RiskGateOptions.DuplicateContentWindow"/>. Off by default.</summary>
    DuplicateOrderContent = 1 << 8,

    /// <summary>Repeated-execution throttle.</summary>
    RepeatedExecutionThrottle = 1 << 9,

    /// <summary>Daily loss and drawdown limits.</summary>
    LossLimits = 1 << 10,

    /// <summary>Trading circuit breakers (reject rate, venue errors, loss velocity).</summary>
    CircuitBreakers = 1 << 11,

    /// <summary>Everything except duplicate content.</summary>
    Default = MaximumOrderQuantity | MaximumOrderNotional | PriceCollar | PositionLimits | ExposureLimits |
              WorkingOrderLimits | MessageThrottles | RepeatedExecutionThrottle |
              LossLimits | CircuitBreakers,

    /// <summary>Every check.</summary>
    All = Default | DuplicateOrderContent,
}

/// <summary>Trading state of a scope. Ordered from least to most restrictive.</summary>
public enum TradingState
{
    /// <summary>Orders pass the other checks.</summary>
    Active = 0,

    /// <summary>Only orders that can only reduce the absolute position, counting working orders, never flipping it.</summary>
    Reducing = 1,

    /// <summary>No new orders; cancels still pass.</summary>
    Halted = 2,
}

/// <summary>One instrument the gate knows.</summary>
public sealed class InstrumentOptions
{
    /// <summary>Smallest price increment. Must be positive.</summary>
    public double TickSize { get; set; } = 0.01;

    /// <summary>Quantity must be a multiple of this. Must be positive.</summary>
    public long LotSize { get; set; } = 1;

    /// <summary>Notional per unit of price and quantity (contract multiplier). Must be positive.</summary>
    public double Multiplier { get; set; } = 1;

    /// <summary>Limits at this symbol's scope.</summary>
    public RiskLimits Limits { get; set; } = new();
}

/// <summary>The trading circuit breakers (firm-wide). Open moves trading to <see cref="OpenState"/>.</summary>
public sealed class TradingCircuitBreakerOptions
{
    /// <summary>Venue rejects / (acks + rejects) at or above which the breaker opens, in (0, 1]. Default 0.5.</summary>
    public double RejectRateThreshold { get; set; } = 0.5;

    /// <summary>Fewest acks plus rejects in the sampling window before the reject rate counts. Default 20.</summary>
    public int MinimumThroughput { get; set; } = 20;

    /// <summary>Window of the reject rate and loss velocity. Default 10 s.</summary>
    public TimeSpan SamplingWindow { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Consecutive venue errors that open the breaker. Default 5.</summary>
    public int ConsecutiveVenueErrors { get; set; } = 5;

    /// <summary>Firm loss within the sampling window that opens the breaker (positive; null: off).</summary>
    public double? LossVelocity { get; set; }

    /// <summary>Cool-down before half-open. Default 30 s.</summary>
    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Acks without a reject or error needed in half-open to close. Default 5.</summary>
    public int HalfOpenAcksToClose { get; set; } = 5;

    /// <summary>Trading state while open: Reducing or Halted. Default Halted.</summary>
    public TradingState OpenState { get; set; } = TradingState.Halted;

    internal TradingCircuitBreakerOptions Clone() => (TradingCircuitBreakerOptions)MemberwiseClone();
}

/// <summary>Everything the gate needs: the universe (accounts, strategies, symbols), limits, checks and policies.</summary>
public sealed class RiskGateOptions
{
    /// <summary>Account names, interned in this order (id = index).</summary>
    public IList<string> Accounts { get; } = new List<string>();

    /// <summary>Strategy names, interned in this order.</summary>
    public IList<string> Strategies { get; } = new List<string>();

    /// <summary>Instruments by symbol, interned in ordinal order of the symbol.</summary>
    public IDictionary<string, InstrumentOptions> Instruments { get; } = new Dictionary<string, InstrumentOptions>(StringComparer.Ordinal);

    /// <summary>Firm-wide limits (the default and cap for every account, and the firm totals).</summary>
    public RiskLimits Firm { get; set; } = new();

    /// <summary>Limits per account name.</summary>
    public IDictionary<string, RiskLimits> AccountLimits { get; } = new Dictionary<string, RiskLimits>(StringComparer.Ordinal);

    /// <summary>Limits per strategy name.</summary>
    public IDictionary<string, RiskLimits> StrategyLimits { get; } = new Dictionary<string, RiskLimits>(StringComparer.Ordinal);

    /// <summary>Symbols no order may be sent for.</summary>
    public ISet<string> RestrictedSymbols { get; } = new HashSet<string>(StringComparer.Ordinal);

    /// <summary>The checks that are on. Default <see cref="RiskChecks.Default"/>.</summary>
    public RiskChecks EnabledChecks { get; set; } = RiskChecks.Default;

    /// <summary>Oldest usable reference price. Default 5 s.</summary>
    public TimeSpan ReferencePriceMaximumAge { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Window of the duplicate-content check. Default 1 s.</summary>
    public TimeSpan DuplicateContentWindow { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Window of the repeated-execution throttle. Default 10 s.</summary>
    public TimeSpan RepeatedExecutionWindow { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Trading state when a loss limit is crossed: Reducing or Halted. Default Reducing.</summary>
    public TradingState LossLimitState { get; set; } = TradingState.Reducing;

    /// <summary>The trading circuit breakers.</summary>
    public TradingCircuitBreakerOptions CircuitBreaker { get; set; } = new();

    /// <summary>Time of day (UTC) at which daily counters reset. Default 00:00.</summary>
    public TimeSpan SessionStart { get; set; } = TimeSpan.Zero;

    /// <summary>Orders the gate can track for its lifetime (a power of two, at least 1,024). Default 1,048,576.</summary>
    public int OrderCapacity { get; set; } = 1 << 20;

    internal RiskGateOptions CloneLimits()
    {
        var copy = new RiskGateOptions
        {
            Firm = Firm.Clone(),
            EnabledChecks = EnabledChecks,
            ReferencePriceMaximumAge = ReferencePriceMaximumAge,
            DuplicateContentWindow = DuplicateContentWindow,
            RepeatedExecutionWindow = RepeatedExecutionWindow,
            LossLimitState = LossLimitState,
            CircuitBreaker = CircuitBreaker.Clone(),
            SessionStart = SessionStart,
            OrderCapacity = OrderCapacity,
        };
        foreach (var a in Accounts) { copy.Accounts.Add(a); }
        foreach (var s in Strategies) { copy.Strategies.Add(s); }
        foreach (var (k, v) in Instruments)
        {
            copy.Instruments[k] = new InstrumentOptions { TickSize = v.TickSize, LotSize = v.LotSize, Multiplier = v.Multiplier, Limits = v.Limits.Clone() };
        }

        foreach (var (k, v) in AccountLimits) { copy.AccountLimits[k] = v.Clone(); }
        foreach (var (k, v) in StrategyLimits) { copy.StrategyLimits[k] = v.Clone(); }
        foreach (var s in RestrictedSymbols) { copy.RestrictedSymbols.Add(s); }
        return copy;
    }
}
