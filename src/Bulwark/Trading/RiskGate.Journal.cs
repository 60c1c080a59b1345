using Bulwark.Failover;
using Bulwark.Trading.Journal;

namespace Bulwark.Trading;

/// <summary>
/// Off the order path: what the gate hands the trading journal (execution reports and state changes, under the report
/// lock), and how it is rebuilt from the journal or reconciled from a broker's drop copy. <see cref="Check"/> never
/// touches any of this.
/// </summary>
public sealed partial class RiskGate
{
    private TradingJournal? _journal; // set once, under the lock
    private bool _replaying; // under the lock: state changes being rebuilt are not journaled again
    private long _lastTermToken;

    /// <summary>The journal this gate reports to, if any.</summary>
    internal TradingJournal? AttachedJournal => _journal;

    /// <summary>
    /// Loads positions from a broker's drop copy as of <paramref name="asOf"/>: every account and symbol listed is set to
    /// its quantity (signed: negative is short) at its average price; a pair not listed is left as it is. Working orders
    /// and their reservations stay. Recorded in the journal with who. With a journal whose takeover comes from the drop
    /// copy (<see cref="TakeoverSource.DropCopy"/>), this is what lets a new leader's gate open.
    /// Throws <see cref="ArgumentException"/> naming an unknown account or symbol, or an invalid quantity or price,
    /// before anything is changed.
    /// </summary>
    public void Reconcile(IReadOnlyList<ReconciledPosition> positions, DateTimeOffset asOf, string who)
    {
        ArgumentNullException.ThrowIfNull(positions);
        ArgumentException.ThrowIfNullOrWhiteSpace(who);
        var pairs = new List<(int Pair, ReconciledPosition Position)>(positions.Count);
        for (var i = 0; i < positions.Count; i++)
        {
            var position = positions[i];
            var a = GetAccountId(position.Account);
            var y = GetSymbolId(position.Symbol);
            if (a < 0)
            {
                throw new ArgumentException($"positions[{i}].Account: unknown account '{position.Account}'", nameof(positions));
            }

            if (y < 0)
            {
                throw new ArgumentException($"positions[{i}].Symbol: unknown symbol '{position.Symbol}'", nameof(positions));
            }

            if (position.Quantity == long.MinValue || !(double.IsFinite(position.AveragePrice) && position.AveragePrice >= 0) ||
                (position.Quantity != 0 && position.AveragePrice == 0))
            {
                throw new ArgumentException($"positions[{i}]: quantity {position.Quantity} at average price {position.AveragePrice} is not a position", nameof(positions));
            }

            pairs.Add(((a * _universe.SymbolCount) + y, position));
        }

        lock (_sync)
        {
            foreach (var (pair, position) in pairs)
            {
                SetPosition(pair, position.Quantity, position.AveragePrice);
                _journal?.Enqueue(new JournalEntry
                {
                    Kind = JournalRecordKind.Reconciled,
                    Token = ReportToken(),
                    Time = asOf.UtcTicks,
                    Account = pair / _universe.SymbolCount,
                    Symbol = pair % _universe.SymbolCount,
                    Quantity = position.Quantity,
                    Price = position.AveragePrice,
                    Actor = who,
                    Cause = "drop copy",
                });
            }

            _journal?.OnReconciled(who, asOf);
        }
    }

    internal void AttachJournal(TradingJournal journal)
    {
        lock (_sync)
        {
            if (_journal is not null)
            {
                throw new InvalidOperationException("the gate already has a journal");
            }

            _journal = journal;
        }
    }

    /// <summary>Holds new orders (cancels pass) with <paramref name="reason"/>, or lets them through again with null. Caller holds the lock.</summary>
    internal void SetJournalHold(string? reason) =>
        SetSource(0, JournalSource, reason is null ? 0 : JournalHeldBit, "bulwark", reason ?? "journal current");

    /// <summary>The token a report is journaled under: the term in force, else the last this gate held (0 when it trades without one).</summary>
    internal long ReportToken()
    {
        var token = Volatile.Read(ref _leadership).Token;
        return token > 0 ? token : Math.Max(0, Volatile.Read(ref _lastTermToken));
    }

    /// <summary>Reads an accepted order's slot for the journal; false when the id is not a working or done order of this gate.</summary>
    internal bool TryDescribeAccepted(long clientOrderId, out int account, out int strategy, out int symbol, out OrderSide side, out double unitNotional)
    {
        var slot = _orders.Find(clientOrderId);
        if (slot < 0 || Volatile.Read(ref _orders.Slots[slot].State) is not (WorkingOrderTable.Working or WorkingOrderTable.Done))
        {
            account = strategy = symbol = 0;
            side = OrderSide.Buy;
            unitNotional = 0;
            return false;
        }

        ref var o = ref _orders.Slots[slot];
        (account, strategy, symbol, side, unitNotional) = (o.Account, o.Strategy, o.Symbol, o.Side, o.UnitNotional);
        return true;
    }

    /// <summary>An order the engine will not send after all (the journal could not take it): released as a reject is.</summary>
    internal void Abandon(long clientOrderId)
    {
        lock (_sync)
        {
            var slot = FindReported(clientOrderId);
            if (slot >= 0)
            {
                Release(slot);
            }
        }
    }

    /// <summary>An execution report for the journal. Caller holds the lock.</summary>
    private void JournalReport(JournalRecordKind kind, long clientOrderId, long executionId = 0, long quantity = 0, double price = 0, int state = 0) =>
        _journal?.Enqueue(new JournalEntry
        {
            Kind = kind,
            Token = ReportToken(),
            Time = _time.GetUtcNow().UtcTicks,
            OrderId = clientOrderId,
            ExecutionId = executionId,
            Quantity = quantity,
            Price = price,
            State = state,
        });

    /// <summary>A change of a journaled source of a scope's state. Caller holds the lock.</summary>
    private void JournalState(int scopeIndex, int source, int bits, string actor, string cause)
    {
        if (_journal is null || _replaying || source is not (ManualSource or LossLimitSource or CircuitBreakerSource or RepeatedExecutionSource))
        {
            return;
        }

        _journal.Enqueue(new JournalEntry
        {
            Kind = JournalRecordKind.State,
            Token = ReportToken(),
            Time = _time.GetUtcNow().UtcTicks,
            ScopeIndex = scopeIndex,
            Source = source,
            State = bits,
            Actor = actor,
            Cause = cause,
        });
    }

    /// <summary>Session baselines for the journal. Caller holds the lock.</summary>
    private void JournalSessionStart(double[] equity, double firmEquity)
    {
        if (_journal is null || _replaying)
        {
            return;
        }

        var now = _time.GetUtcNow().UtcTicks;
        for (var a = -1; a < equity.Length; a++)
        {
            _journal.Enqueue(new JournalEntry
            {
                Kind = JournalRecordKind.SessionStart,
                Token = ReportToken(),
                Time = now,
                Account = a,
                Price = a < 0 ? firmEquity : equity[a],
            });
        }
    }

    internal string ScopeNameOf(int scopeIndex) => ScopeName(scopeIndex);

    internal static string SourceName(int source) => SourceNames[source];

    /// <summary>
    /// Applies one journal row to the gate's state (rebuild at start, or a takeover's catch-up). Positions, working orders
    /// and their reservations, fills, P&amp;L and trading states come back as they were; nothing is journaled again.
    /// Throws <see cref="InvalidDataException"/> on a row this gate cannot place (an unknown account, say), so a rebuild
    /// that cannot be complete is not taken for one.
    /// </summary>
    internal void Replay(JournalRecord row)
    {
        lock (_sync)
        {
            _replaying = true;
            try
            {
                ReplayLocked(row);
            }
            finally
            {
                _replaying = false;
            }
        }
    }

    private void ReplayLocked(JournalRecord row)
    {
        switch (row.Kind)
        {
            case JournalRecordKind.Accepted:
                RestoreOrder(row);
                break;
            case JournalRecordKind.Ack:
                if (FindReported(row.OrderId) is var acked and >= 0)
                {
                    _orders.Slots[acked].Acknowledged = true;
                }

                break;
            case JournalRecordKind.Fill:
                if (FindReported(row.OrderId) is var filled and >= 0 && !_executions.Contains(row.ExecutionId) && ApplyFill(filled, row.Quantity, row.Price))
                {
                    _executions.Add(row.ExecutionId);
                }

                break;
            case JournalRecordKind.Cancel or JournalRecordKind.Reject:
                if (FindReported(row.OrderId) is var ended and >= 0)
                {
                    Release(ended);
                }

                break;
            case JournalRecordKind.State:
                RestoreState(row);
                break;
            case JournalRecordKind.SessionStart:
                if (SessionIndex(row.Time, Volatile.Read(ref _limits).Options.SessionStart) == _session)
                {
                    if (row.Account is null)
                    {
                        _firmSessionStartEquity = _firmPeakEquity = row.Price;
                    }
                    else
                    {
                        var a = Known(GetAccountId(row.Account), "account", row.Account, row);
                        _sessionStartEquity[a] = _peakEquity[a] = row.Price;
                    }
                }

                break;
            case JournalRecordKind.Reconciled:
                SetPosition((Known(GetAccountId(row.Account ?? ""), "account", row.Account, row) * _universe.SymbolCount) +
                            Known(GetSymbolId(row.Symbol ?? ""), "symbol", row.Symbol, row), row.Quantity, row.Price);
                break;
            default:
                // TermStarted and Limits change no state (limits come from the configuration).
                break;
        }
    }

    private static int Known(int id, string what, string? name, JournalRecord row) =>
        id >= 0 ? id : throw new InvalidDataException(FormattableString.Invariant($"journal row {row.Sequence}: unknown {what} '{name}'"));

    private void RestoreOrder(JournalRecord row)
    {
        var a = Known(GetAccountId(row.Account ?? ""), "account", row.Account, row);
        var s = Known(GetStrategyId(row.Strategy ?? ""), "strategy", row.Strategy, row);
        var y = Known(GetSymbolId(row.Symbol ?? ""), "symbol", row.Symbol, row);
        var inserted = _orders.TryInsert(row.OrderId, out var slot);
        if (inserted == 1)
        {
            return; // already known (a catch-up overlapping what this gate holds)
        }

        if (inserted != 0)
        {
            throw new InvalidDataException(FormattableString.Invariant($"journal row {row.Sequence}: order capacity exhausted while rebuilding"));
        }

        var notional = row.Quantity * row.Price;
        var half = notional / 2;
        var buy = row.Side == OrderSide.Buy;
        ref var pair = ref _pairs[(a * _universe.SymbolCount) + y];
        ref var account = ref _accounts[a];
        Interlocked.Add(ref buy ? ref pair.WorstLong : ref pair.WorstShort, row.Quantity);
        BoundedAdd.GrowGross(ref pair.Balance, ref account.Gross, buy ? half : -half, half, notional);
        BoundedAdd.Add(ref buy ? ref account.NetLong : ref account.NetShort, notional);
        Interlocked.Increment(ref account.WorkingCount);
        BoundedAdd.Add(ref account.WorkingNotional, notional);
        ref var tracked = ref _orders.Slots[slot];
        tracked.Account = a;
        tracked.Strategy = s;
        tracked.Symbol = y;
        tracked.Side = row.Side;
        tracked.Leaves = row.Quantity;
        tracked.UnitNotional = row.Price;
        Volatile.Write(ref tracked.State, WorkingOrderTable.Working);
    }

    private void RestoreState(JournalRecord row)
    {
        var index = TradingScope.TryParse(row.Scope, out var scope) ? _universe.ScopeIndex(scope) : -1;
        if (index < 0)
        {
            throw new InvalidDataException(FormattableString.Invariant($"journal row {row.Sequence}: unknown scope '{row.Scope}'"));
        }

        var source = Array.IndexOf(SourceNames, row.Source);
        var cause = "restored from the journal: " + row.Cause;
        switch (source)
        {
            case ManualSource or RepeatedExecutionSource:
                SetSource(index, source, row.State, row.Actor ?? "bulwark", cause);
                break;
            case LossLimitSource:
                // A loss latch holds until the session it was crossed in ends, or a person clears it: a restart does not.
                if (SessionIndex(row.Time, Volatile.Read(ref _limits).Options.SessionStart) != _session)
                {
                    break;
                }

                if (index == 0)
                {
                    _firmLossBreached = row.State != 0;
                }
                else if (index - 1 < _universe.AccountCount)
                {
                    _lossBreached[index - 1] = row.State != 0;
                }

                SetSource(index, source, row.State, row.Actor ?? "bulwark", cause);
                break;
            case CircuitBreakerSource:
                _breaker.Restore(row.State != 0, _time.GetTimestamp());
                SetSource(index, source, row.State, row.Actor ?? "bulwark", cause);
                break;
            default:
                throw new InvalidDataException(FormattableString.Invariant($"journal row {row.Sequence}: unknown state source '{row.Source}'"));
        }
    }

    /// <summary>Sets one pair's position and average price, moving every worst case with it. Caller holds the lock.</summary>
    private void SetPosition(int p, long quantity, double averagePrice)
    {
        var a = p / _universe.SymbolCount;
        var multiplier = _universe.Multiplier[p % _universe.SymbolCount];
        var change = quantity - _position[p];
        var notionalChange = (quantity * averagePrice * multiplier) - (_position[p] * _averagePrice[p] * multiplier);
        ref var pair = ref _pairs[p];
        ref var account = ref _accounts[a];
        Interlocked.Add(ref pair.WorstLong, change);
        Interlocked.Add(ref pair.WorstShort, -change);
        BoundedAdd.Add(ref account.NetLong, notionalChange);
        BoundedAdd.Add(ref account.NetShort, -notionalChange);
        BoundedAdd.MoveGross(ref pair.Balance, ref account.Gross, notionalChange, 0);
        _position[p] = quantity;
        _averagePrice[p] = quantity == 0 ? 0 : averagePrice;
    }

    private void NoteTerm(LeadershipTerm term)
    {
        if (term.Token > 0)
        {
            Volatile.Write(ref _lastTermToken, term.Token);
        }
    }
}

/// <summary>One position from a broker's drop copy: signed quantity (negative is short) at its average price.</summary>
public readonly record struct ReconciledPosition(string Account, string Symbol, long Quantity, double AveragePrice);
