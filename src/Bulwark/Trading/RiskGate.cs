using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Bulwark.Failover;

namespace Bulwark.Trading;

/// <summary>
/// The pre-trade risk gate. <see cref="Check"/> runs on the order path: it allocates nothing, takes no lock and
/// logs nothing; every shared total it grows is reserved with a bounded compare-exchange, so several threads
/// may check, and report executions, at the same time without ever passing a worst-case limit together.
/// Execution reports (<see cref="OnAck"/>, <see cref="OnFill"/>, <see cref="OnCancel"/>, <see cref="OnReject"/>)
/// and everything else run off the order path under one lock.
/// </summary>
public sealed partial class RiskGate
{
    // Control word bits of a scope, OR-ed over firm, account, strategy and symbol by the check.
    internal const int ReducingBit = 1;
    internal const int HaltedBit = 2;
    internal const int KilledBit = 4;
    internal const int DisabledBit = 8;
    internal const int JournalHeldBit = 16;

    private const int ReferenceReadAttempts = 64;
    private const int ContentSlots = 1 << 14;
    private const long ContentTimeMask = (1L << 40) - 1;

    private readonly Universe _universe;
    private readonly TimeProvider _time;
    private readonly int[] _control;
    private readonly AccountCounters[] _accounts;
    private readonly PairCounters[] _pairs;
    private readonly ReferencePrice[] _references;
    private readonly WorkingOrderTable _orders;
    private readonly long[] _contentSlots = new long[ContentSlots];
    private readonly long[] _rejections = new long[Enum.GetValues<RiskRejectReason>().Length];
    private readonly long _epoch;
    private readonly double _millisecondsPerTick;
    private readonly ConcurrentQueue<SafetyEvent> _events = new();
    // Token -1: leadership not required (a gate on its own); 0: required and not held (reject); > 0: the term's token.
    private LeadershipTerm _leadership = LeadershipTerm.NotRequired;
    private PaddedLong _firmMessages;
    private PaddedLong _firmCancels;
    private LimitTable _limits;

    /// <summary>Builds the gate; throws <see cref="BulwarkOptionsException"/> with every error when the options are invalid.</summary>
    public RiskGate(RiskGateOptions options, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = RiskGateOptionsValidator.Validate(options);
        if (errors.Count > 0)
        {
            throw new BulwarkOptionsException(errors);
        }

        _time = timeProvider ?? TimeProvider.System;
        var copy = options.CloneLimits();
        _universe = new Universe(copy);
        _limits = new LimitTable(copy, _universe, _time.TimestampFrequency);
        _control = new int[_universe.ScopeCount];
        _sources = new int[_universe.ScopeCount * SourceCount];
        _accounts = new AccountCounters[_universe.AccountCount];
        _pairs = new PairCounters[_universe.AccountCount * _universe.SymbolCount];
        _position = new long[_pairs.Length];
        _averagePrice = new double[_pairs.Length];
        _realized = new double[_pairs.Length];
        _references = new ReferencePrice[_universe.SymbolCount];
        _orders = new WorkingOrderTable(copy.OrderCapacity);
        _epoch = _time.GetTimestamp();
        _millisecondsPerTick = 1000.0 / _time.TimestampFrequency;
        _sessionStartEquity = new double[_universe.AccountCount];
        _peakEquity = new double[_universe.AccountCount];
        _lossBreached = new bool[_universe.AccountCount];
        _breaker = new TradingCircuitBreaker(this);
        _session = SessionIndex(_time.GetUtcNow(), copy.SessionStart);
    }

    internal TimeProvider Time => _time;

    internal Universe Universe => _universe;

    internal LimitTable Limits => Volatile.Read(ref _limits);

    /// <summary>Dense id of an account, or -1 when unknown.</summary>
    public int GetAccountId(string account) => _universe.Accounts.TryGetValue(account, out var id) ? id : -1;

    /// <summary>Dense id of a strategy, or -1 when unknown.</summary>
    public int GetStrategyId(string strategy) => _universe.Strategies.TryGetValue(strategy, out var id) ? id : -1;

    /// <summary>Dense id of a symbol, or -1 when unknown.</summary>
    public int GetSymbolId(string symbol) => _universe.Symbols.TryGetValue(symbol, out var id) ? id : -1;

    /// <summary>
    /// Checks one order. Accepted new orders are reserved at once (RTS 6 art. 15(2)): they count toward every
    /// limit until their cancel, reject or fills are reported. Allocates nothing, takes no lock.
    /// <para>
    /// The decision is taken at the end: the order is published as being decided, then the kill switch, trading
    /// state and leadership are read once more (and the term's deadline against the clock). An engage or the end of
    /// a term that lands before that read rejects the order; one that lands after it finds the order in its list.
    /// </para>
    /// </summary>
    public RiskDecision Check(in OrderRequest order)
    {
        // Volatile.Read: acquire, pairs with the Volatile.Write in ApplyLimits: the whole table built before
        // publication is visible, and this check uses one table from start to end.
        var t = Volatile.Read(ref _limits);
        var u = _universe;
        int a = order.Account, s = order.Strategy, y = order.Symbol;
        if ((uint)a >= (uint)u.AccountCount)
        {
            return Reject(RiskRejectReason.UnknownAccount, double.NaN, a);
        }

        if ((uint)s >= (uint)u.StrategyCount)
        {
            return Reject(RiskRejectReason.UnknownStrategy, double.NaN, s);
        }

        if ((uint)y >= (uint)u.SymbolCount)
        {
            return Reject(RiskRejectReason.UnknownSymbol, double.NaN, y);
        }

        if (order.Action == OrderAction.Cancel)
        {
            return CheckCancel(t, a);
        }

        if (order.ClientOrderId <= 0)
        {
            return Reject(RiskRejectReason.InvalidClientOrderId, double.NaN, order.ClientOrderId);
        }

        // The one flag per scope that kill switch, trading state, loss limits, circuit breakers and the
        // repeated-execution throttle all write into.
        var control = ReadControl(a, s, y);
        if ((control & ~ReducingBit) != 0)
        {
            return RejectControl(control);
        }

        // Volatile.Read: acquire, pairs with the Volatile.Write in WriteLeadership. One term for the whole check.
        var term = Volatile.Read(ref _leadership);
        if (term.Token == 0)
        {
            return Reject(RiskRejectReason.NotLeader, double.NaN, double.NaN);
        }

        var quantity = order.Quantity;
        if (quantity <= 0)
        {
            return Reject(RiskRejectReason.InvalidQuantity, double.NaN, quantity);
        }

        var lot = u.LotSize[y];
        if (quantity % lot != 0)
        {
            return Reject(RiskRejectReason.QuantityOffLot, lot, quantity);
        }

        if (t.Restricted[y])
        {
            return Reject(RiskRejectReason.RestrictedSymbol, double.NaN, y);
        }

        var price = order.Price;
        var isLimit = order.Type == OrderType.Limit;
        if (isLimit)
        {
            if (!(double.IsFinite(price) && price > 0))
            {
                return Reject(RiskRejectReason.InvalidPrice, double.NaN, price);
            }

            if (!u.Ticks[y].IsOnTick(price))
            {
                return Reject(RiskRejectReason.PriceOffTick, u.TickSize[y], price);
            }
        }

        var enabled = t.Enabled;
        var now = _time.GetTimestamp();
        double reference = 0;
        if (!isLimit || (enabled & RiskChecks.PriceCollar) != 0)
        {
            var referenceDecision = ReadReference(t, y, now, out reference);
            if (!referenceDecision.IsAccepted)
            {
                return referenceDecision;
            }

            if (!isLimit)
            {
                price = reference;
            }
        }

        var unitNotional = price * u.Multiplier[y];
        var notional = quantity * unitNotional;
        if (!double.IsFinite(notional))
        {
            // A total the gate cannot add up is not one it can bound.
            return Reject(RiskRejectReason.NotionalOverflow, double.MaxValue, notional);
        }

        var sizes = CheckOrderSize(t, enabled, a, s, y, quantity, notional);
        if (!sizes.IsAccepted)
        {
            return sizes;
        }

        if (isLimit && (enabled & RiskChecks.PriceCollar) != 0)
        {
            var collar = CheckCollar(t, a, s, y, price, reference, u.TickSize[y]);
            if (!collar.IsAccepted)
            {
                return collar;
            }
        }

        // Every limit the reservation needs is read before anything is reserved, so a missing limit never
        // needs a rollback.
        var r = new Reservation
        {
            Account = a,
            Pair = (a * u.SymbolCount) + y,
            Quantity = quantity,
            UnitNotional = unitNotional,
            Notional = notional,
            Buy = order.Side == OrderSide.Buy,
            Control = control,
            Term = term,
        };
        var limits = ReadReservationLimits(t, enabled, a, s, y, ref r);
        if (!limits.IsAccepted)
        {
            return limits;
        }

        if ((enabled & RiskChecks.DuplicateOrderContent) != 0 && IsDuplicateContent(t, in order, price, now))
        {
            return Reject(RiskRejectReason.DuplicateOrderContent, t.DuplicateWindowMilliseconds, double.NaN);
        }

        // Every message counts, accepted or not by a later step (RTS 6 art. 15(1)(d)).
        if ((enabled & RiskChecks.MessageThrottles) != 0)
        {
            var throttled = Throttle(
                t.AccountMessages[a], ref _accounts[a].MessageTat, t.FirmMessages, ref _firmMessages.Value, now,
                RiskLimitKind.MaximumMessagesPerSecond, RiskRejectReason.AccountMessageThrottle, RiskRejectReason.FirmMessageThrottle);
            if (!throttled.IsAccepted)
            {
                return throttled;
            }
        }

        return Reserve(in order, in r);
    }

    /// <summary>The OR of the control words of the firm and the order's account, strategy and symbol.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int ReadControl(int a, int s, int y)
    {
        // Volatile.Read: acquire, pairs with the Volatile.Write in SetSource.
        var u = _universe;
        return Volatile.Read(ref _control[0]) |
               Volatile.Read(ref _control[u.AccountScope(a)]) |
               Volatile.Read(ref _control[u.StrategyScope(s)]) |
               Volatile.Read(ref _control[u.SymbolScope(y)]);
    }

    /// <summary>Maximum order quantity and notional.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private RiskDecision CheckOrderSize(LimitTable t, RiskChecks enabled, int a, int s, int y, long quantity, double notional)
    {
        if ((enabled & RiskChecks.MaximumOrderQuantity) != 0)
        {
            var limit = t.Effective(RiskLimitKind.MaximumOrderQuantity, a, s, y);
            if (!(quantity <= limit) || double.IsPositiveInfinity(limit))
            {
                return RejectLimit(RiskRejectReason.MaximumOrderQuantity, RiskLimitKind.MaximumOrderQuantity, limit, quantity);
            }
        }

        if ((enabled & RiskChecks.MaximumOrderNotional) != 0)
        {
            var limit = t.Effective(RiskLimitKind.MaximumOrderNotional, a, s, y);
            if (!(notional <= limit) || double.IsPositiveInfinity(limit))
            {
                return RejectLimit(RiskRejectReason.MaximumOrderNotional, RiskLimitKind.MaximumOrderNotional, limit, notional);
            }
        }

        return RiskDecision.Accepted;
    }

    /// <summary>The price collar: the tighter of percent and ticks from the reference price.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private RiskDecision CheckCollar(LimitTable t, int a, int s, int y, double price, double reference, double tick)
    {
        var percent = t.Effective(RiskLimitKind.PriceCollarPercent, a, s, y);
        var ticks = t.Effective(RiskLimitKind.PriceCollarTicks, a, s, y);
        if (double.IsPositiveInfinity(percent) && double.IsPositiveInfinity(ticks))
        {
            return NotConfigured(RiskLimitKind.PriceCollarPercent);
        }

        var allowed = Math.Min(reference * percent / 100.0, ticks * tick);
        var deviation = Math.Abs(price - reference);

        // Half a millionth of a tick absorbs binary rounding of prices that are exactly at the collar.
        return deviation > allowed + (tick * 1e-6) ? Reject(RiskRejectReason.PriceCollar, allowed, deviation) : RiskDecision.Accepted;
    }

    /// <summary>Position, exposure and working-order limits into <paramref name="r"/>; a missing one rejects (FIA 1.1).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private RiskDecision ReadReservationLimits(LimitTable t, RiskChecks enabled, int a, int s, int y, ref Reservation r)
    {
        r.PositionLimit = long.MaxValue;
        r.GrossLimit = r.NetLimit = r.WorkingNotionalLimit = double.PositiveInfinity;
        r.WorkingCountLimit = long.MaxValue;
        if ((enabled & RiskChecks.PositionLimits) != 0)
        {
            var kind = r.Buy ? RiskLimitKind.MaximumLongPosition : RiskLimitKind.MaximumShortPosition;
            var limit = t.Effective(kind, a, s, y);
            if (double.IsPositiveInfinity(limit))
            {
                return NotConfigured(kind);
            }

            r.PositionLimit = (long)limit;
        }

        if ((r.Control & ReducingBit) != 0)
        {
            // Strict reducing: the worst case (position plus every working order on this side plus this one)
            // must stay at or below zero, so the order can only shrink the position and never flip it.
            r.PositionLimit = Math.Min(r.PositionLimit, 0);
        }

        if ((enabled & RiskChecks.ExposureLimits) != 0)
        {
            r.GrossLimit = t.Effective(RiskLimitKind.MaximumGrossExposure, a, s, y);
            if (double.IsPositiveInfinity(r.GrossLimit))
            {
                return NotConfigured(RiskLimitKind.MaximumGrossExposure);
            }

            r.NetLimit = t.Effective(RiskLimitKind.MaximumNetExposure, a, s, y);
            if (double.IsPositiveInfinity(r.NetLimit))
            {
                return NotConfigured(RiskLimitKind.MaximumNetExposure);
            }
        }

        if ((enabled & RiskChecks.WorkingOrderLimits) != 0)
        {
            var count = t.Effective(RiskLimitKind.MaximumWorkingOrders, a, s, y);
            if (double.IsPositiveInfinity(count))
            {
                return NotConfigured(RiskLimitKind.MaximumWorkingOrders);
            }

            r.WorkingCountLimit = (long)count;
            r.WorkingNotionalLimit = t.Effective(RiskLimitKind.MaximumWorkingNotional, a, s, y);
            if (double.IsPositiveInfinity(r.WorkingNotionalLimit))
            {
                return NotConfigured(RiskLimitKind.MaximumWorkingNotional);
            }
        }

        return RiskDecision.Accepted;
    }

    /// <summary>
    /// Reserves the order in every total it grows, in a fixed order, claims its id, and decides: published as being
    /// decided, it is rejected after all if a stop (kill switch, halt, disable, reducing, the end of the term) landed
    /// since the first read; otherwise it is working from here.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private RiskDecision Reserve(in OrderRequest order, in Reservation r)
    {
        ref var pair = ref _pairs[r.Pair];
        ref var worst = ref r.Buy ? ref pair.WorstLong : ref pair.WorstShort;
        if (!BoundedAdd.TryAdd(ref worst, r.Quantity, r.PositionLimit, out var worstCase))
        {
            return RejectPosition(r.Buy, (r.Control & ReducingBit) != 0, r.PositionLimit, worstCase);
        }

        // Gross: added whatever it comes to, then compared, so the total stays the exact worst case (see PairCounters and
        // GrowGross: never below it while other checks are on their way).
        ref var account = ref _accounts[r.Account];
        var half = r.Notional / 2;
        var gross = BoundedAdd.GrowGross(ref pair.Balance, ref account.Gross, r.Buy ? half : -half, half, r.Notional);
        if (!(gross <= r.GrossLimit))
        {
            return Rollback(in r, Reserved.Gross, RiskRejectReason.MaximumGrossExposure, r.GrossLimit, gross);
        }

        ref var net = ref r.Buy ? ref account.NetLong : ref account.NetShort;
        if (!BoundedAdd.TryAdd(ref net, r.Notional, r.NetLimit, out var netValue))
        {
            return Rollback(in r, Reserved.Net, RiskRejectReason.MaximumNetExposure, r.NetLimit, netValue);
        }

        if (!BoundedAdd.TryAdd(ref account.WorkingCount, 1, r.WorkingCountLimit, out var count))
        {
            return Rollback(in r, Reserved.Count, RiskRejectReason.MaximumWorkingOrders, r.WorkingCountLimit, count);
        }

        if (!BoundedAdd.TryAdd(ref account.WorkingNotional, r.Notional, r.WorkingNotionalLimit, out var working))
        {
            return Rollback(in r, Reserved.WorkingNotional, RiskRejectReason.MaximumWorkingNotional, r.WorkingNotionalLimit, working);
        }

        var inserted = _orders.TryInsert(order.ClientOrderId, out var slot);
        if (inserted != 0)
        {
            var reason = inserted == 1 ? RiskRejectReason.DuplicateClientOrderId : RiskRejectReason.OrderCapacityExhausted;
            return Rollback(in r, Reserved.All, reason, double.NaN, order.ClientOrderId);
        }

        ref var tracked = ref _orders.Slots[slot];
        tracked.Account = r.Account;
        tracked.Strategy = order.Strategy;
        tracked.Symbol = order.Symbol;
        tracked.Side = order.Side;
        tracked.Leaves = r.Quantity;
        tracked.UnitNotional = r.UnitNotional;

        // Volatile.Write: release; whoever lists the order (an engage, the end of a term) sees every field above.
        Volatile.Write(ref tracked.State, WorkingOrderTable.Deciding);

        // The decision. A stop that landed since the first read rejects the order now; one that lands later lists it.
        // (On hardware, a stop's writer issues a process-wide barrier before it lists, so these reads cannot be answered
        // from before the Deciding write became visible to it: see KillSwitch and WriteLeadership.)
        var control = ReadControl(r.Account, order.Strategy, order.Symbol);
        if ((control & ~r.Control) != 0 || !ReferenceEquals(Volatile.Read(ref _leadership), r.Term) ||
            (r.Term.Token > 0 && _time.GetTimestamp() >= r.Term.ValidUntil))
        {
            return Withdraw(ref tracked, in r, control);
        }

        // Volatile.Write: release; a report that reads Working also sees every field written above.
        Volatile.Write(ref tracked.State, WorkingOrderTable.Working);
        return r.Term.Token > 0 ? RiskDecision.AcceptedUnder(r.Term.Token) : RiskDecision.Accepted;
    }

    /// <summary>An order being decided that a stop overtook: every reservation given back, the slot done (its id stays used).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private RiskDecision Withdraw(ref OrderSlot tracked, in Reservation r, int control)
    {
        Undo(in r, Reserved.All);
        Volatile.Write(ref tracked.State, WorkingOrderTable.Done);
        var stopped = control & ~r.Control;
        if ((stopped & ~ReducingBit) != 0)
        {
            return RejectControl(stopped);
        }

        return stopped != 0 ? Reject(RiskRejectReason.ReduceOnly, 0, double.NaN) : Reject(RiskRejectReason.NotLeader, double.NaN, double.NaN);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private RiskDecision Rollback(in Reservation r, Reserved reserved, RiskRejectReason reason, double limit, double value)
    {
        Undo(in r, reserved);
        return Reject(reason, limit, value);
    }

    /// <summary>Gives back what was reserved, in reverse order; each undo is an unconditional atomic add.</summary>
    private void Undo(in Reservation r, Reserved reserved)
    {
        ref var pair = ref _pairs[r.Pair];
        ref var account = ref _accounts[r.Account];
        if (reserved >= Reserved.All)
        {
            BoundedAdd.Add(ref account.WorkingNotional, -r.Notional);
        }

        if (reserved >= Reserved.WorkingNotional)
        {
            Interlocked.Decrement(ref account.WorkingCount);
        }

        if (reserved >= Reserved.Count)
        {
            BoundedAdd.Add(ref r.Buy ? ref account.NetLong : ref account.NetShort, -r.Notional);
        }

        var half = r.Notional / 2;
        BoundedAdd.MoveGross(ref pair.Balance, ref account.Gross, r.Buy ? -half : half, -half);
        Interlocked.Add(ref r.Buy ? ref pair.WorstLong : ref pair.WorstShort, -r.Quantity);
    }

    /// <summary>How far a reservation got before it failed: each stage holds every one before it.</summary>
    private enum Reserved
    {
        /// <summary>Worst case and gross (gross is added before it is compared).</summary>
        Gross = 1,

        /// <summary>And net exposure.</summary>
        Net = 2,

        /// <summary>And the working-order count.</summary>
        Count = 3,

        /// <summary>And the working notional.</summary>
        WorkingNotional = 4,

        /// <summary>Everything, and the id claimed.</summary>
        All = 5,
    }

    /// <summary>What one order reserves and the limits it is held to, read before anything is reserved.</summary>
    private struct Reservation
    {
        public int Account;
        public int Pair;
        public long Quantity;
        public double UnitNotional;
        public double Notional;
        public bool Buy;
        public int Control;
        public LeadershipTerm Term;
        public long PositionLimit;
        public double GrossLimit;
        public double NetLimit;
        public long WorkingCountLimit;
        public double WorkingNotionalLimit;
    }

    private RiskDecision CheckCancel(LimitTable t, int a)
    {
        // Cancels pass kill switch and trading state; they only use their own, larger budget.
        if ((t.Enabled & RiskChecks.MessageThrottles) == 0)
        {
            return RiskDecision.Accepted;
        }

        return Throttle(
            t.AccountCancels[a], ref _accounts[a].CancelTat, t.FirmCancels, ref _firmCancels.Value, _time.GetTimestamp(),
            RiskLimitKind.MaximumCancelsPerSecond, RiskRejectReason.AccountCancelThrottle, RiskRejectReason.FirmCancelThrottle);
    }

    /// <summary>Takes one token from the account's bucket, then from the firm's; the first empty one rejects.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private RiskDecision Throttle(
        LimitTable.Bucket account, ref long accountTat, LimitTable.Bucket firm, ref long firmTat, long now,
        RiskLimitKind kind, RiskRejectReason accountReason, RiskRejectReason firmReason)
    {
        if (!account.Configured)
        {
            return NotConfigured(kind);
        }

        if (!BoundedAdd.TryTake(ref accountTat, now, account.Interval, account.Burst, out var backlog))
        {
            return Reject(accountReason, account.Rate, (double)backlog / account.Interval);
        }

        if (!BoundedAdd.TryTake(ref firmTat, now, firm.Interval, firm.Burst, out backlog))
        {
            return Reject(firmReason, firm.Rate, (double)backlog / firm.Interval);
        }

        return RiskDecision.Accepted;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private RiskDecision ReadReference(LimitTable t, int y, long now, out double price)
    {
        ref var r = ref _references[y];
        for (var attempt = 0; attempt < ReferenceReadAttempts; attempt++)
        {
            // Sequence lock: each Volatile.Read is an acquire, so the price and time reads cannot move
            // before the first version read nor after the second.
            var version = Volatile.Read(ref r.Version);
            if ((version & 1) != 0)
            {
                Thread.SpinWait(1);
                continue;
            }

            price = Volatile.Read(ref r.Price);
            var stamp = Volatile.Read(ref r.Timestamp);
            if (Volatile.Read(ref r.Version) != version)
            {
                continue;
            }

            if (version == 0)
            {
                return Reject(RiskRejectReason.ReferencePriceMissing, double.NaN, y);
            }

            var age = now - stamp;
            if (age > t.ReferenceMaximumAgeTicks)
            {
                return Reject(RiskRejectReason.ReferencePriceStale,
                    (double)t.ReferenceMaximumAgeTicks / _time.TimestampFrequency, (double)age / _time.TimestampFrequency);
            }

            return RiskDecision.Accepted;
        }

        price = 0;
        return Reject(RiskRejectReason.ReferencePriceMissing, double.NaN, y);
    }

    /// <summary>
    /// Leadership of the failover group this gate trades for. Null: not leader, so every new order is rejected
    /// with <see cref="RiskRejectReason.NotLeader"/> (cancels still pass); a token: leader in that term, and every
    /// accepted decision carries it. Once called, the gate requires leadership for the rest of its life. Binding a
    /// <c>LeaderElector</c> does this for every gain and loss (<c>elector.BindTo(gate)</c>).
    /// </summary>
    public void SetLeadership(Bulwark.Failover.FencingToken? token)
    {
        if (token is { Value: <= 0 })
        {
            throw new ArgumentOutOfRangeException(nameof(token), "a fencing token is positive");
        }

        // Set by hand, a term has no deadline: it lasts until the next call.
        Leadership.For(this).SetTerm(token is { } t ? new LeadershipTerm(t.Value, long.MaxValue) : LeadershipTerm.Closed);
    }

    /// <summary>The term new orders are checked against. Written by <see cref="Leadership"/> only.</summary>
    internal void WriteLeadership(LeadershipTerm term)
    {
        // Volatile.Write: release; pairs with the Volatile.Reads in Check.
        NoteTerm(term);
        Volatile.Write(ref _leadership, term);
        if (term.Token == 0)
        {
            // Whoever lists the working orders after a term's end finds every order a check could still accept:
            // this barrier makes each checking thread's Deciding write visible first (the store-load fence their
            // side does without, on the order path).
            Interlocked.MemoryBarrierProcessWide();
        }
    }

    /// <summary>The term new orders are checked against now.</summary>
    internal LeadershipTerm CurrentLeadership => Volatile.Read(ref _leadership);

    /// <summary>
    /// Feeds the reference price (last trade or mid) of a symbol, stamped with the gate's clock. A missing or
    /// older-than-allowed price makes collar-checked and market orders fail closed.
    /// </summary>
    public void UpdateReferencePrice(int symbol, double price)
    {
        if ((uint)symbol >= (uint)_references.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(symbol));
        }

        if (!(double.IsFinite(price) && price > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(price), "a reference price must be finite and positive");
        }

        ref var r = ref _references[symbol];
        var spin = default(SpinWait);
        while (true)
        {
            var version = Volatile.Read(ref r.Version);

            // Compare-exchange to an odd version: a full fence, and only one writer at a time.
            if ((version & 1) == 0 && Interlocked.CompareExchange(ref r.Version, version + 1, version) == version)
            {
                Volatile.Write(ref r.Price, price);
                Volatile.Write(ref r.Timestamp, _time.GetTimestamp());

                // Volatile.Write: release; readers that see the even version see the price and time above.
                Volatile.Write(ref r.Version, version + 2);
                return;
            }

            spin.SpinOnce();
        }
    }

    private bool IsDuplicateContent(LimitTable t, in OrderRequest order, double price, long now)
    {
        var hash = HashCode.Combine(order.Account, order.Symbol, order.Side, order.Quantity, BitConverter.DoubleToInt64Bits(price));
        var mixed = (ulong)(uint)hash * 0x9E3779B97F4A7C15UL;
        var index = (int)(mixed >> 50) & (ContentSlots - 1);
        var tag = (long)((mixed >> 8) & 0xFFFFFF) | 1;
        var milliseconds = (long)((now - _epoch) * _millisecondsPerTick) & ContentTimeMask;

        // One exchange per order: the slot always ends up holding the newest content, and the previous
        // holder tells whether the same content was seen within the window.
        var previous = Interlocked.Exchange(ref _contentSlots[index], (tag << 40) | milliseconds);
        return previous != 0 && (previous >>> 40) == tag &&
               milliseconds - (previous & ContentTimeMask) <= t.DuplicateWindowMilliseconds;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private RiskDecision RejectControl(int control)
    {
        if ((control & KilledBit) != 0)
        {
            return Reject(RiskRejectReason.KillSwitchEngaged, double.NaN, double.NaN);
        }

        if ((control & HaltedBit) != 0)
        {
            return Reject(RiskRejectReason.TradingHalted, double.NaN, double.NaN);
        }

        if ((control & JournalHeldBit) != 0)
        {
            // A follower's journal holds too (so a gain cannot open the gate before the catch-up): not leading is the reason that says more.
            return Volatile.Read(ref _leadership).Token == 0
                ? Reject(RiskRejectReason.NotLeader, double.NaN, double.NaN)
                : Reject(RiskRejectReason.JournalNotCurrent, double.NaN, double.NaN);
        }

        return Reject(RiskRejectReason.StrategyDisabled, double.NaN, double.NaN);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private RiskDecision RejectPosition(bool buy, bool reducing, long limit, long worstCase)
    {
        if (reducing && limit <= 0)
        {
            return Reject(RiskRejectReason.ReduceOnly, 0, worstCase);
        }

        return Reject(buy ? RiskRejectReason.MaximumLongPosition : RiskRejectReason.MaximumShortPosition, limit, worstCase);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private RiskDecision RejectLimit(RiskRejectReason reason, RiskLimitKind kind, double limit, double value) =>
        double.IsPositiveInfinity(limit) ? NotConfigured(kind) : Reject(reason, limit, value);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private RiskDecision NotConfigured(RiskLimitKind kind) =>
        Reject(RiskRejectReason.LimitNotConfigured, double.NaN, (double)kind);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private RiskDecision Reject(RiskRejectReason reason, double limit, double value)
    {
        // Aggregated in memory; the bridge flushes the counts as one event, never one store write per order.
        Interlocked.Increment(ref _rejections[(int)reason]);
        return RiskDecision.Rejected(reason, limit, value);
    }

    /// <summary>Rejections by reason since the last call, reset to zero (off the hot path).</summary>
    internal Dictionary<RiskRejectReason, long> DrainRejections()
    {
        var counts = new Dictionary<RiskRejectReason, long>();
        for (var i = 1; i < _rejections.Length; i++)
        {
            var n = Interlocked.Exchange(ref _rejections[i], 0);
            if (n != 0)
            {
                counts[(RiskRejectReason)i] = n;
            }
        }

        return counts;
    }

    internal void Publish(SafetyEvent safetyEvent) => _events.Enqueue(safetyEvent);

    internal bool TryTakeEvent(out SafetyEvent safetyEvent) => _events.TryDequeue(out safetyEvent!);
}
