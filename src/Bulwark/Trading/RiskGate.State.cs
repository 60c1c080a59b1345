using System.Globalization;
using System.Text.Json;
using Bulwark.Trading.Journal;

namespace Bulwark.Trading;

/// <summary>Off the order path: execution reports, positions and P&amp;L, trading states, loss limits, runtime changes.</summary>
public sealed partial class RiskGate
{
    // Sources of a scope's control word; the word is the OR of all sources.
    internal const int ManualSource = 0;
    internal const int KillSwitchSource = 1;
    internal const int LossLimitSource = 2;
    internal const int CircuitBreakerSource = 3;
    internal const int SystemStateSource = 4;
    internal const int RepeatedExecutionSource = 5;
    internal const int CapacitySource = 6;
    internal const int MarkSource = 7;
    internal const int RedundancySource = 8;
    internal const int JournalSource = 9;
    internal const int SourceCount = 10;

    private static readonly string[] SourceNames = ["manual", "killswitch", "loss_limit", "circuit_breaker", "system_state", "repeated_execution", "capacity", "stale_mark", "redundancy", "journal"];

    // One lock for everything off the order path; Check never takes it. A monitor (not System.Threading.Lock), so the
    // systematic concurrency tests (Coyote, tests/Bulwark.Coyote.Tests) can control who holds it.
    private readonly object _sync = new();
    private readonly int[] _sources;
    private readonly long[] _position;
    private readonly double[] _averagePrice;
    private readonly double[] _realized;
    private readonly HashSet<long> _executions = [];
    private readonly Dictionary<(int Strategy, int Symbol, OrderSide Side), Queue<long>> _recentFills = [];
    private readonly double[] _sessionStartEquity;
    private readonly double[] _peakEquity;
    private readonly bool[] _lossBreached;
    private readonly TradingCircuitBreaker _breaker;
    private double _firmSessionStartEquity;
    private double _firmPeakEquity;
    private bool _firmLossBreached;
    private long _session;

    /// <summary>The venue acknowledged the order. False when the order is unknown.</summary>
    public bool OnAck(long clientOrderId)
    {
        lock (_sync)
        {
            var slot = FindReported(clientOrderId);
            if (slot < 0)
            {
                return false;
            }

            _orders.Slots[slot].Acknowledged = true;
            _breaker.OnAck(_time.GetTimestamp());
            JournalReport(JournalRecordKind.Ack, clientOrderId);
            return true;
        }
    }

    /// <summary>
    /// The venue rejected the order (or a venue error ended it): its reservation is released. A venue error
    /// counts toward the consecutive-venue-errors breaker; every reject counts toward the reject rate.
    /// </summary>
    public bool OnReject(long clientOrderId, bool venueError = false)
    {
        lock (_sync)
        {
            _breaker.OnReject(_time.GetTimestamp(), venueError);
            var slot = FindReported(clientOrderId);
            if (slot < 0)
            {
                return false;
            }

            Release(slot);
            JournalReport(JournalRecordKind.Reject, clientOrderId, state: venueError ? 1 : 0);
            return true;
        }
    }

    /// <summary>The order was cancelled: what was still working is released. False when unknown or already done.</summary>
    public bool OnCancel(long clientOrderId)
    {
        lock (_sync)
        {
            var slot = FindReported(clientOrderId);
            if (slot < 0 || Volatile.Read(ref _orders.Slots[slot].State) != WorkingOrderTable.Working)
            {
                return false;
            }

            Release(slot);
            JournalReport(JournalRecordKind.Cancel, clientOrderId);
            return true;
        }
    }

    /// <summary>
    /// A fill (partial or full). Applied exactly once per <paramref name="executionId"/>: a repeated report
    /// returns false and changes nothing. A fill after a cancel still moves the position (it happened).
    /// </summary>
    public bool OnFill(long clientOrderId, long executionId, long quantity, double price)
    {
        if (quantity <= 0 || !(double.IsFinite(price) && price > 0))
        {
            return false;
        }

        lock (_sync)
        {
            var slot = FindReported(clientOrderId);
            if (slot < 0 || _executions.Contains(executionId))
            {
                return false;
            }

            if (!ApplyFill(slot, quantity, price))
            {
                Publish(NewEvent(TradingEventKinds.FillRefused, "firm",
                    FormattableString.Invariant($"fill {executionId} of order {clientOrderId} for {quantity} would overflow the position"), "bulwark"));
                return false;
            }

            _executions.Add(executionId);
            JournalReport(JournalRecordKind.Fill, clientOrderId, executionId, quantity, price);
            RecordExecution(slot, _time.GetTimestamp());
            return true;
        }
    }

    /// <summary>Position, average price, realized P&amp;L and worst cases of one account in one symbol.</summary>
    public PositionSnapshot GetPosition(int account, int symbol)
    {
        lock (_sync)
        {
            var p = (account * _universe.SymbolCount) + symbol;
            return new PositionSnapshot(_position[p], _averagePrice[p], _realized[p],
                Volatile.Read(ref _pairs[p].WorstLong), -Volatile.Read(ref _pairs[p].WorstShort));
        }
    }

    /// <summary>An account's worst-case totals as the order path sees them (for tests and snapshots).</summary>
    internal AccountExposure GetExposure(int account)
    {
        ref var c = ref _accounts[account];
        return new AccountExposure(Volatile.Read(ref c.Gross), Volatile.Read(ref c.NetLong), Volatile.Read(ref c.NetShort),
            Volatile.Read(ref c.WorkingCount), Volatile.Read(ref c.WorkingNotional));
    }

    /// <summary>Client order ids still working (acknowledged or not).</summary>
    public IReadOnlyList<long> GetWorkingOrders()
    {
        lock (_sync)
        {
            return [.. _orders.WorkingOrders().Select(o => o.Id)];
        }
    }

    /// <summary>Sets the manual trading state of a scope; audited as an event with who and why.</summary>
    public void SetTradingState(TradingScope scope, TradingState state, string who, string why)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(who);
        ArgumentException.ThrowIfNullOrWhiteSpace(why);
        lock (_sync)
        {
            SetSource(ScopeIndexOrThrow(scope), ManualSource, StateBits(state), who, why);
        }
    }

    /// <summary>The trading state a scope is in by itself (not counting wider scopes).</summary>
    public TradingState GetTradingState(TradingScope scope)
    {
        var control = Volatile.Read(ref _control[ScopeIndexOrThrow(scope)]);
        return (control & (HaltedBit | KilledBit | JournalHeldBit)) != 0 ? TradingState.Halted
            : (control & ReducingBit) != 0 ? TradingState.Reducing : TradingState.Active;
    }

    /// <summary>Re-enables a strategy the repeated-execution throttle disabled (RTS 6 art. 15(3): a person decides).</summary>
    public void EnableStrategy(string strategy, string who, string why)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(who);
        ArgumentException.ThrowIfNullOrWhiteSpace(why);
        lock (_sync)
        {
            var index = ScopeIndexOrThrow(TradingScope.ForStrategy(strategy));
            if (_sources[(index * SourceCount) + RepeatedExecutionSource] == 0)
            {
                return;
            }

            SetSource(index, RepeatedExecutionSource, 0, who, why);
            Publish(NewEvent(TradingEventKinds.StrategyEnabled, TradingScope.ForStrategy(strategy).ToString(), why, who));
        }
    }

    /// <summary>A deep copy of the options in force, to edit and pass to <see cref="ApplyLimits"/>.</summary>
    public RiskGateOptions GetOptions() => Volatile.Read(ref _limits).Options.CloneLimits();

    /// <summary>
    /// Changes limits, restricted list, enabled checks and policies while trading. The change is validated
    /// whole first (every error returned, nothing applied), then published atomically: every check uses
    /// either the old table or the new one. Accounts, strategies and instruments cannot change at runtime.
    /// Audited as an event with who and why. Returns the errors (empty when applied).
    /// </summary>
    public IReadOnlyList<OptionsError> ApplyLimits(RiskGateOptions options, string who, string why)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(who);
        ArgumentException.ThrowIfNullOrWhiteSpace(why);
        var errors = RiskGateOptionsValidator.Validate(options);
        if (errors.Count == 0 && !_universe.SameAs(options))
        {
            errors.Add(new("trading", "accounts, strategies and instruments cannot change while trading; restart to change them"));
        }

        var current = Volatile.Read(ref _limits);
        if (errors.Count == 0 && options.OrderCapacity != current.Options.OrderCapacity)
        {
            errors.Add(new("trading.orderCapacity", "cannot change while trading"));
        }

        lock (_sync)
        {
            if (errors.Count > 0)
            {
                Publish(NewEvent(TradingEventKinds.LimitsChangeRefused, "firm", why, who,
                    JsonSerializer.Serialize(errors.Select(e => e.ToString()).ToArray())));
                return errors;
            }

            var table = new LimitTable(options.CloneLimits(), _universe, _time.TimestampFrequency);

            // Volatile.Write: release; pairs with the Volatile.Read at the start of Check.
            Volatile.Write(ref _limits, table);
            _journal?.Enqueue(new JournalEntry { Kind = JournalRecordKind.Limits, Token = ReportToken(), Time = _time.GetUtcNow().UtcTicks, Actor = who, Cause = why });
            Publish(NewEvent(TradingEventKinds.LimitsChanged, "firm", why, who,
                JsonSerializer.Serialize(new { enabledChecks = options.EnabledChecks.ToString(), restricted = options.RestrictedSymbols.Order(StringComparer.Ordinal).ToArray() })));
            return [];
        }
    }

    /// <summary>
    /// Runs the checks that live off the order path: session reset, loss limits and the circuit breakers.
    /// Called periodically by <see cref="TradingSafetyBridge"/> (and directly by tests).
    /// </summary>
    internal void Evaluate()
    {
        lock (_sync)
        {
            var t = Volatile.Read(ref _limits);
            var now = _time.GetUtcNow();
            var session = SessionIndex(now, t.Options.SessionStart);
            var stale = new List<StaleMark>();
            var equity = AccountEquity(_time.GetTimestamp(), t.ReferenceMaximumAgeTicks, stale);
            var firmEquity = equity.Sum();
            if (session != _session)
            {
                ResetSession(session, equity, firmEquity);
            }

            var lossLimits = (t.Enabled & RiskChecks.LossLimits) != 0;
            EvaluateMarks(t, lossLimits ? stale : []);
            if (lossLimits)
            {
                EvaluateLossLimits(t, equity, firmEquity, stale);
            }

            // Loss velocity needs the firm's equity; with a mark missing it is not known, and the marks hold trading above.
            _breaker.Evaluate(_time.GetTimestamp(), stale.Count == 0 ? firmEquity : double.NaN, (t.Enabled & RiskChecks.CircuitBreakers) != 0);
        }
    }

    /// <summary>Daily P&amp;L (equity now minus at session start) of an account, from reference prices.</summary>
    internal double DailyPnl(int account)
    {
        lock (_sync)
        {
            return AccountEquity(_time.GetTimestamp(), long.MaxValue, null)[account] - _sessionStartEquity[account];
        }
    }

    internal TradingCircuitBreaker Breaker => _breaker;

    internal int ScopeIndexOrThrow(TradingScope scope)
    {
        var index = _universe.ScopeIndex(scope);
        return index >= 0 ? index : throw new ArgumentException($"unknown scope {scope}", nameof(scope));
    }

    /// <summary>Sets one source of a scope's control word and republishes the word; an event when it changes. Caller holds the lock.</summary>
    internal void SetSource(int scopeIndex, int source, int bits, string actor, string cause)
    {
        var before = _control[scopeIndex];
        if (_sources[(scopeIndex * SourceCount) + source] != bits)
        {
            JournalState(scopeIndex, source, bits, actor, cause);
        }

        _sources[(scopeIndex * SourceCount) + source] = bits;
        var after = 0;
        for (var i = 0; i < SourceCount; i++)
        {
            after |= _sources[(scopeIndex * SourceCount) + i];
        }

        // Volatile.Write: release; pairs with the Volatile.Read of the control words in Check.
        Volatile.Write(ref _control[scopeIndex], after);
        if (before != after)
        {
            Publish(NewEvent(TradingEventKinds.TradingState, ScopeName(scopeIndex), $"{SourceNames[source]}: {cause}", actor) with
            {
                From = ControlName(before),
                To = ControlName(after),
            });
        }
    }

    internal int GetSource(int scopeIndex, int source)
    {
        lock (_sync)
        {
            return _sources[(scopeIndex * SourceCount) + source];
        }
    }

    internal object Sync => _sync;

    /// <summary>Working client order ids in a scope (firm: all). Caller holds the lock.</summary>
    internal List<long> WorkingOrdersIn(TradingScope scope)
    {
        var ids = new List<long>();
        foreach (var (id, slot) in _orders.WorkingOrders())
        {
            var match = scope.Level switch
            {
                ScopeLevel.Firm => true,
                ScopeLevel.Account => _universe.AccountNames[_orders.Slots[slot].Account] == scope.Name,
                ScopeLevel.Strategy => _universe.StrategyNames[_orders.Slots[slot].Strategy] == scope.Name,
                _ => _universe.SymbolNames[_orders.Slots[slot].Symbol] == scope.Name,
            };
            if (match)
            {
                ids.Add(id);
            }
        }

        return ids;
    }

    internal SafetyEvent NewEvent(string kind, string subject, string? cause, string? actor, string? evidence = null) => new()
    {
        Time = _time.GetUtcNow(),
        Kind = kind,
        Subject = subject,
        Cause = cause,
        Actor = actor,
        Evidence = evidence,
    };

    internal static int StateBits(TradingState state) => state switch
    {
        TradingState.Reducing => ReducingBit,
        TradingState.Halted => HaltedBit,
        _ => 0,
    };

    private static string ControlName(int control) =>
        (control & KilledBit) != 0 ? "Killed" :
        (control & HaltedBit) != 0 ? "Halted" :
        (control & JournalHeldBit) != 0 ? "Held" :
        (control & DisabledBit) != 0 ? "Disabled" :
        (control & ReducingBit) != 0 ? "Reducing" : "Active";

    private string ScopeName(int index)
    {
        var u = _universe;
        if (index == 0)
        {
            return TradingScope.Firm.ToString();
        }

        index--;
        if (index < u.AccountCount)
        {
            return TradingScope.ForAccount(u.AccountNames[index]).ToString();
        }

        index -= u.AccountCount;
        return index < u.StrategyCount
            ? TradingScope.ForStrategy(u.StrategyNames[index]).ToString()
            : TradingScope.ForSymbol(u.SymbolNames[index - u.StrategyCount]).ToString();
    }

    private int FindReported(long clientOrderId)
    {
        var slot = _orders.Find(clientOrderId);

        // Pending or Deciding: the check that claimed the id has not accepted the order yet, so no venue can have seen it.
        return slot >= 0 && Volatile.Read(ref _orders.Slots[slot].State) is WorkingOrderTable.Working or WorkingOrderTable.Done ? slot : -1;
    }

    /// <summary>Releases what is still working of an order and marks it done. Caller holds the lock.</summary>
    private void Release(int slot)
    {
        ref var order = ref _orders.Slots[slot];
        if (Volatile.Read(ref order.State) != WorkingOrderTable.Working)
        {
            return;
        }

        var leaves = order.Leaves;
        var notional = leaves * order.UnitNotional;
        var half = notional / 2;
        ref var pair = ref _pairs[(order.Account * _universe.SymbolCount) + order.Symbol];
        ref var account = ref _accounts[order.Account];
        if (order.Side == OrderSide.Buy)
        {
            Interlocked.Add(ref pair.WorstLong, -leaves);
            BoundedAdd.Add(ref account.NetLong, -notional);
            BoundedAdd.MoveGross(ref pair.Balance, ref account.Gross, -half, -half);
        }
        else
        {
            Interlocked.Add(ref pair.WorstShort, -leaves);
            BoundedAdd.Add(ref account.NetShort, -notional);
            BoundedAdd.MoveGross(ref pair.Balance, ref account.Gross, half, -half);
        }

        BoundedAdd.Add(ref account.WorkingNotional, -notional);
        Interlocked.Decrement(ref account.WorkingCount);
        order.Leaves = 0;
        Volatile.Write(ref order.State, WorkingOrderTable.Done);
    }

    /// <summary>
    /// Applies a fill under the lock. False, changing nothing, when the position or a worst case would no longer fit
    /// in a long: a total the gate cannot hold is refused, never wrapped.
    /// </summary>
    private bool ApplyFill(int slot, long quantity, double price)
    {
        ref var order = ref _orders.Slots[slot];
        var a = order.Account;
        var y = order.Symbol;
        var side = order.Side;
        var working = Volatile.Read(ref order.State) == WorkingOrderTable.Working;
        var leaves = working ? order.Leaves : 0;
        var released = Math.Min(quantity, leaves);
        var releasedNotional = released * order.UnitNotional;
        var multiplier = _universe.Multiplier[y];
        var p = (a * _universe.SymbolCount) + y;
        ref var pair = ref _pairs[p];
        var signed = side == OrderSide.Buy ? quantity : -quantity;
        var ownSide = side == OrderSide.Buy ? Volatile.Read(ref pair.WorstLong) : Volatile.Read(ref pair.WorstShort);
        if (Overflows(_position[p], signed) || Overflows(ownSide, quantity - released))
        {
            return false;
        }

        var oldNotional = _position[p] * _averagePrice[p] * multiplier;
        MovePosition(p, signed, price, multiplier);
        var netChange = (_position[p] * _averagePrice[p] * multiplier) - oldNotional;
        ref var account = ref _accounts[a];

        // A fill turns working quantity into position: the worst case on its own side changes only by what was
        // filled beyond the reservation (a late fill after a cancel), the other side shrinks by the fill. The balance
        // D = P + (B - S) / 2 moves by the position's change less half of what left the working side.
        if (side == OrderSide.Buy)
        {
            Interlocked.Add(ref pair.WorstLong, quantity - released);
            Interlocked.Add(ref pair.WorstShort, -quantity);
            BoundedAdd.Add(ref account.NetLong, netChange - releasedNotional);
            BoundedAdd.Add(ref account.NetShort, -netChange);
            BoundedAdd.MoveGross(ref pair.Balance, ref account.Gross, netChange - (releasedNotional / 2), -releasedNotional / 2);
        }
        else
        {
            Interlocked.Add(ref pair.WorstShort, quantity - released);
            Interlocked.Add(ref pair.WorstLong, -quantity);
            BoundedAdd.Add(ref account.NetLong, netChange);
            BoundedAdd.Add(ref account.NetShort, -netChange - releasedNotional);
            BoundedAdd.MoveGross(ref pair.Balance, ref account.Gross, netChange + (releasedNotional / 2), -releasedNotional / 2);
        }

        BoundedAdd.Add(ref account.WorkingNotional, -releasedNotional);
        if (working)
        {
            order.Leaves = leaves - released;
            if (leaves - released == 0)
            {
                Interlocked.Decrement(ref account.WorkingCount);
                Volatile.Write(ref order.State, WorkingOrderTable.Done);
            }
        }

        return true;
    }

    private static bool Overflows(long value, long change) => change > 0 ? value > long.MaxValue - change : value < long.MinValue - change;

    private void MovePosition(int p, long signed, double price, double multiplier)
    {
        var position = _position[p];
        var average = _averagePrice[p];
        if (position == 0 || Math.Sign(position) == Math.Sign(signed))
        {
            var total = Math.Abs(position) + Math.Abs(signed);
            _averagePrice[p] = ((Math.Abs(position) * average) + (Math.Abs(signed) * price)) / total;
            _position[p] = position + signed;
            return;
        }

        var closing = Math.Min(Math.Abs(position), Math.Abs(signed));
        _realized[p] += closing * (price - average) * Math.Sign(position) * multiplier;
        var next = position + signed;
        _position[p] = next;
        _averagePrice[p] = next == 0 ? 0 : Math.Sign(next) == Math.Sign(position) ? average : price;
    }

    private void RecordExecution(int slot, long now)
    {
        var t = Volatile.Read(ref _limits);
        if ((t.Enabled & RiskChecks.RepeatedExecutionThrottle) == 0)
        {
            return;
        }

        var a = _orders.Slots[slot].Account;
        var s = _orders.Slots[slot].Strategy;
        var y = _orders.Slots[slot].Symbol;
        var key = (s, y, _orders.Slots[slot].Side);
        if (!_recentFills.TryGetValue(key, out var fills))
        {
            _recentFills[key] = fills = new Queue<long>();
        }

        var window = (long)(t.Options.RepeatedExecutionWindow.TotalSeconds * _time.TimestampFrequency);
        fills.Enqueue(now);
        while (fills.Count > 0 && now - fills.Peek() > window)
        {
            fills.Dequeue();
        }

        var limit = t.Effective(RiskLimitKind.MaximumRepeatedExecutions, a, s, y);
        if (fills.Count > limit)
        {
            var strategy = _universe.StrategyNames[s];
            var cause = $"{fills.Count} fills in {_universe.SymbolNames[y]} {key.Item3} within {t.Options.RepeatedExecutionWindow.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s (limit {limit.ToString(CultureInfo.InvariantCulture)})";
            fills.Clear();
            SetSource(_universe.StrategyScope(s), RepeatedExecutionSource, DisabledBit, "bulwark", cause);
            Publish(NewEvent(TradingEventKinds.StrategyDisabled, TradingScope.ForStrategy(strategy).ToString(), cause, "bulwark"));
        }
    }

    /// <summary>
    /// Equity of every account from its positions marked at their symbols' reference prices. A position whose mark is
    /// missing or older than <paramref name="maximumAge"/> (timestamp ticks) is valued at cost and listed in
    /// <paramref name="stale"/>: its P&amp;L is not known.
    /// </summary>
    private double[] AccountEquity(long now, long maximumAge, List<StaleMark>? stale)
    {
        var u = _universe;
        var equity = new double[u.AccountCount];
        for (var y = 0; y < u.SymbolCount; y++)
        {
            var marked = ReadMark(y, out var reference, out var stamp);
            var age = marked ? now - stamp : long.MaxValue;
            var fresh = marked && age <= maximumAge;
            var multiplier = u.Multiplier[y];
            for (var a = 0; a < u.AccountCount; a++)
            {
                var p = (a * u.SymbolCount) + y;
                var position = _position[p];
                if (position == 0)
                {
                    equity[a] += _realized[p];
                    continue;
                }

                if (!fresh)
                {
                    stale?.Add(new StaleMark(a, y, marked ? (double)age / _time.TimestampFrequency : double.PositiveInfinity));
                }

                var mark = marked ? reference : _averagePrice[p];
                equity[a] += _realized[p] + (position * (mark - _averagePrice[p]) * multiplier);
            }
        }

        return equity;
    }

    /// <summary>A position whose mark is missing (age infinite) or too old, in seconds.</summary>
    private readonly record struct StaleMark(int Account, int Symbol, double AgeSeconds);

    /// <summary>The reference price of a symbol and when it was fed; false when none was ever fed.</summary>
    private bool ReadMark(int y, out double price, out long stamp)
    {
        ref var r = ref _references[y];
        for (var attempt = 0; attempt < ReferenceReadAttempts; attempt++)
        {
            var version = Volatile.Read(ref r.Version);
            price = Volatile.Read(ref r.Price);
            stamp = Volatile.Read(ref r.Timestamp);
            if ((version & 1) == 0 && Volatile.Read(ref r.Version) == version)
            {
                return version != 0;
            }
        }

        price = 0;
        stamp = 0;
        return false;
    }

    /// <summary>
    /// Fail closed on unknown P&amp;L: an account holding a position without a fresh mark cannot have its loss limits
    /// judged, so it goes to the loss-limit state, and so does the firm; a fresh mark again lifts it by itself (it was
    /// never a breach). The cause names each symbol and the age of its mark.
    /// </summary>
    private void EvaluateMarks(LimitTable t, List<StaleMark> stale)
    {
        var bits = StateBits(t.Options.LossLimitState);
        for (var a = 0; a < _universe.AccountCount; a++)
        {
            var mine = stale.Where(m => m.Account == a).ToList();
            var cause = mine.Count == 0 ? "marks fresh" : "no fresh mark for " + Describe(mine) + ": the daily loss cannot be evaluated";
            SetSource(_universe.AccountScope(a), MarkSource, mine.Count == 0 ? 0 : bits, "bulwark", cause);
        }

        SetSource(0, MarkSource, stale.Count == 0 ? 0 : bits, "bulwark",
            stale.Count == 0 ? "marks fresh" : "no fresh mark for " + Describe(stale) + ": the firm's daily loss cannot be evaluated");
    }

    private string Describe(List<StaleMark> marks) => string.Join(", ", marks.GroupBy(m => m.Symbol).Select(g =>
        double.IsPositiveInfinity(g.First().AgeSeconds)
            ? _universe.SymbolNames[g.Key] + " (never fed)"
            : string.Create(CultureInfo.InvariantCulture, $"{_universe.SymbolNames[g.Key]} ({g.First().AgeSeconds:0.#} s old, maximum {(double)Volatile.Read(ref _limits).ReferenceMaximumAgeTicks / _time.TimestampFrequency:0.#} s)")));

    private void EvaluateLossLimits(LimitTable t, double[] equity, double firmEquity, List<StaleMark> stale)
    {
        for (var a = 0; a < equity.Length; a++)
        {
            // An account with a stale mark has no known P&L: the marks hold it, its peak and breach wait for fresh ones.
            if (_lossBreached[a] || stale.Exists(m => m.Account == a))
            {
                continue;
            }

            _peakEquity[a] = Math.Max(_peakEquity[a], equity[a]);
            var cause = LossBreach(
                equity[a] - _sessionStartEquity[a], _peakEquity[a] - equity[a],
                t.FirmOrAccount(RiskLimitKind.MaximumDailyLoss, a), t.FirmOrAccount(RiskLimitKind.MaximumDrawdown, a));
            if (cause is not null)
            {
                _lossBreached[a] = true;
                var scope = TradingScope.ForAccount(_universe.AccountNames[a]);
                SetSource(_universe.AccountScope(a), LossLimitSource, StateBits(t.Options.LossLimitState), "bulwark", cause);
                Publish(NewEvent(TradingEventKinds.LossLimit, scope.ToString(), cause, "bulwark") with { To = t.Options.LossLimitState.ToString() });
            }
        }

        if (!_firmLossBreached && stale.Count == 0)
        {
            _firmPeakEquity = Math.Max(_firmPeakEquity, firmEquity);
            var cause = LossBreach(
                firmEquity - _firmSessionStartEquity, _firmPeakEquity - firmEquity,
                t.Firm[(int)RiskLimitKind.MaximumDailyLoss], t.Firm[(int)RiskLimitKind.MaximumDrawdown]);
            if (cause is not null)
            {
                _firmLossBreached = true;
                SetSource(0, LossLimitSource, StateBits(t.Options.LossLimitState), "bulwark", cause);
                Publish(NewEvent(TradingEventKinds.LossLimit, "firm", cause, "bulwark") with { To = t.Options.LossLimitState.ToString() });
            }
        }
    }

    private static string? LossBreach(double dailyPnl, double drawdown, double lossLimit, double drawdownLimit)
    {
        // At the limit is still inside it; a missing limit is a breach (fail closed).
        if (double.IsPositiveInfinity(lossLimit) || -dailyPnl > lossLimit)
        {
            return FormattableString.Invariant($"daily loss {-dailyPnl} above limit {lossLimit}");
        }

        if (double.IsPositiveInfinity(drawdownLimit) || drawdown > drawdownLimit)
        {
            return FormattableString.Invariant($"drawdown {drawdown} from intraday peak above limit {drawdownLimit}");
        }

        return null;
    }

    private void ResetSession(long session, double[] equity, double firmEquity)
    {
        _session = session;
        for (var a = 0; a < equity.Length; a++)
        {
            _sessionStartEquity[a] = equity[a];
            _peakEquity[a] = equity[a];
            if (_lossBreached[a])
            {
                _lossBreached[a] = false;
                SetSource(_universe.AccountScope(a), LossLimitSource, 0, "bulwark", "session reset");
            }
        }

        _firmSessionStartEquity = firmEquity;
        _firmPeakEquity = firmEquity;
        if (_firmLossBreached)
        {
            _firmLossBreached = false;
            SetSource(0, LossLimitSource, 0, "bulwark", "session reset");
        }

        _recentFills.Clear();
        JournalSessionStart(equity, firmEquity);
        Publish(NewEvent(TradingEventKinds.SessionReset, "firm", "session start", "bulwark"));
    }

    private static long SessionIndex(DateTimeOffset now, TimeSpan sessionStart) =>
        (now.UtcTicks - sessionStart.Ticks) / TimeSpan.TicksPerDay;
}

/// <summary>An account's worst-case totals: gross and net exposure over every order of fills, working count and notional.</summary>
internal readonly record struct AccountExposure(double Gross, double NetLong, double NetShort, long WorkingCount, double WorkingNotional);
