using System.Collections.Concurrent;
using System.Globalization;
using Bulwark.Failover;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bulwark.Trading.Journal;

/// <summary>
/// The trading journal: every accepted order, execution report, state change, session baseline, limit change and
/// reconciliation, each with its term's fencing token, appended to a fenced store by one background writer in group
/// commits (everything queued when the writer wakes goes in one transaction, one fsync). <see cref="RiskGate.Check"/>
/// never touches it: reports reach it under the gate's report lock, accepted orders through
/// <see cref="RecordAccepted"/>, one lock-free enqueue.
/// <para>
/// Fail closed: until the gate is rebuilt from the journal, while a new leader has not read the previous term (or been
/// reconciled), while the queue is over its capacity, while the store fails, and while the store holds a newer term's
/// token than this gate's, new orders are rejected with <see cref="RiskRejectReason.JournalNotCurrent"/> (cancels pass),
/// and every change of that hold is a <c>trading.state</c> event naming why.
/// </para>
/// <para>
/// <b>Durable</b>: a fill (any row) is durable once the transaction holding it has committed, which on SQLite means the
/// WAL is fsynced (<c>synchronous=FULL</c>) and on PostgreSQL the commit returned. <see cref="FlushAsync"/> returns
/// when every row queued before it is durable; <see cref="RiskGate.OnFill"/> itself returns before that.
/// </para>
/// </summary>
public sealed class TradingJournal : IAsyncDisposable
{
    private const int HoldRebuilding = 1;
    private const int HoldTakeover = 2;
    private const int HoldBacklog = 4;
    private const int HoldStore = 8;
    private const int HoldDeposed = 16;
    private const int ReadPage = 10_000;

    private readonly RiskGate _gate;
    private readonly ITradingJournalStore _store;
    private readonly TradingJournalOptions _options;
    private readonly ILogger _logger;
    private readonly ConcurrentQueue<JournalEntry> _queue = new();
    private readonly SemaphoreSlim _signal = new(0, int.MaxValue);
    private readonly SemaphoreSlim _reading = new(1, 1);
    private readonly object _waitersLock = new();
    private readonly List<(long Target, TaskCompletionSource Done)> _waiters = [];
    private readonly CancellationTokenSource _stopping = new();
    private List<JournalRecord>? _inflight;
    private Task? _loop;
    private Task? _tail;
    private long _pending;
    private long _enqueued;
    private long _committed;
    private long _refused;
    private long _applied;
    private long _appliedSequence;
    private int _signaled;
    private int _holds; // under the gate's lock
    private string? _storeError; // under the gate's lock
    private long _storeHighest; // under the gate's lock
    private long _generation; // under the gate's lock: one per leadership change

    private TradingJournal(RiskGate gate, ITradingJournalStore store, TradingJournalOptions options, ILogger logger)
    {
        _gate = gate;
        _store = store;
        _options = options;
        _logger = logger;
        Writer = options.Writer ?? Guid.NewGuid().ToString("N");
    }

    /// <summary>This writer's name in the journal.</summary>
    public string Writer { get; }

    /// <summary>Rows the store refused because a newer term's token was already in it (this gate's own, once deposed).</summary>
    public long RefusedAsStale => Interlocked.Read(ref _refused);

    /// <summary>Rows of other writers (or earlier starts) applied to the gate: the rebuild and every takeover's catch-up.</summary>
    public long RowsApplied => Interlocked.Read(ref _applied);

    /// <summary>Rows queued and not yet durable.</summary>
    public long Pending => Interlocked.Read(ref _pending);

    /// <summary>Why the gate is held by the journal now, or null when it is not.</summary>
    public string? HoldReason
    {
        get
        {
            lock (_gate.Sync)
            {
                return Describe();
            }
        }
    }

    /// <summary>
    /// Attaches a journal to <paramref name="gate"/>, holds new orders, rebuilds the gate's state from every row in the
    /// store (positions, working orders and reservations, fills, P&amp;L baselines, manual states and halts, loss-limit
    /// latches of the current session, disables, breaker states), starts the writer, and only then lets orders through.
    /// When the store cannot be read the gate stays held and the exception is thrown. Call before the first order.
    /// </summary>
    public static async Task<TradingJournal> StartAsync(
        RiskGate gate, ITradingJournalStore store, TradingJournalOptions? options = null, ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(gate);
        ArgumentNullException.ThrowIfNull(store);
        options ??= new TradingJournalOptions();
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new BulwarkOptionsException(errors);
        }

        var journal = new TradingJournal(gate, store, options, logger ?? NullLogger.Instance);
        gate.AttachJournal(journal);
        journal.Hold(HoldRebuilding, true);
        await journal.CatchUpAsync(cancellationToken).ConfigureAwait(false);
        TradingLog.JournalRebuilt(journal._logger, journal.RowsApplied, Interlocked.Read(ref journal._appliedSequence));
        journal._loop = Task.Run(() => journal.RunAsync(journal._stopping.Token), CancellationToken.None);
        journal.Hold(HoldRebuilding, false);
        return journal;
    }

    /// <summary>
    /// Takeover: from now on the gate opens for a term of <paramref name="elector"/> only once this journal has read every
    /// row of the previous terms. A gain writes the term's first row (which fences every older term out of the store),
    /// waits for it to be durable, applies every row of other writers before it, and then lets orders through; with
    /// <see cref="TakeoverSource.DropCopy"/> it waits for <see cref="RiskGate.Reconcile"/> instead. A loss holds again.
    /// While not leading, the gate follows the journal every <see cref="TradingJournalOptions.FollowInterval"/>, so a
    /// takeover reads only the rows since the last of those reads.
    /// </summary>
    public void Follow(LeaderElector elector)
    {
        ArgumentNullException.ThrowIfNull(elector);
        Hold(HoldTakeover, true);
        _tail ??= Task.Run(() => TailAsync(_stopping.Token), CancellationToken.None);
        elector.Changed += change =>
        {
            long generation;
            lock (_gate.Sync)
            {
                generation = ++_generation;
                Set(HoldTakeover, true);
            }

            if (change.IsLeader && change.Token is { } token)
            {
                _ = Task.Run(() => TakeOverAsync(token.Value, generation), CancellationToken.None);
            }
        };
    }

    /// <summary>
    /// Queues an order the gate accepted (call after an accepted <see cref="RiskGate.Check"/>, before sending): one
    /// lock-free enqueue, no I/O. False when the journal cannot take it (queue full, or the id is not an order the gate
    /// accepted): the gate has released the order and the engine must not send it.
    /// </summary>
    public bool RecordAccepted(in OrderRequest order, RiskDecision decision)
    {
        if (!decision.IsAccepted || order.Action == OrderAction.Cancel ||
            !_gate.TryDescribeAccepted(order.ClientOrderId, out var account, out var strategy, out var symbol, out var side, out var unitNotional))
        {
            return false;
        }

        if (Interlocked.Read(ref _pending) >= _options.QueueCapacity)
        {
            _gate.Abandon(order.ClientOrderId);
            Hold(HoldBacklog, true);
            return false;
        }

        Enqueue(new JournalEntry
        {
            Kind = JournalRecordKind.Accepted,
            Token = Math.Max(0, decision.FencingToken),
            Time = _gate.Time.GetUtcNow().UtcTicks,
            OrderId = order.ClientOrderId,
            Account = account,
            Strategy = strategy,
            Symbol = symbol,
            Side = side,
            Action = order.Action,
            Quantity = order.Quantity,
            Price = unitNotional,
        });
        return true;
    }

    /// <summary>Returns when every row queued before the call is durable (committed to the store).</summary>
    public Task FlushAsync(CancellationToken cancellationToken = default)
    {
        var target = Interlocked.Read(ref _enqueued);
        lock (_waitersLock)
        {
            if (Interlocked.Read(ref _committed) >= target)
            {
                return Task.CompletedTask;
            }

            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((target, done));
            return done.Task.WaitAsync(cancellationToken);
        }
    }

    /// <summary>Stops the writer after writing what is queued (one attempt; what the store refuses then is lost with the process).</summary>
    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_loop is { } loop)
        {
            await loop.ConfigureAwait(false);
        }

        if (_tail is { } tail)
        {
            await tail.ConfigureAwait(false);
        }

        try
        {
            await WriteQueuedAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            TradingLog.JournalStoreFailed(_logger, ex, Interlocked.Read(ref _pending));
        }

        _stopping.Dispose();
    }

    /// <summary>Queues a row. Reports call it under the gate's lock; over capacity holds new orders (a report is a fact: always kept).</summary>
    internal void Enqueue(in JournalEntry entry)
    {
        // Counted before it is queued, so FlushAsync never returns while a row it counted waits behind one it did not.
        Interlocked.Increment(ref _enqueued);
        _queue.Enqueue(entry);
        if (Interlocked.Increment(ref _pending) > _options.QueueCapacity && Monitor.IsEntered(_gate.Sync))
        {
            Set(HoldBacklog, true);
        }

        if (Interlocked.Exchange(ref _signaled, 1) == 0)
        {
            _signal.Release();
        }
    }

    /// <summary>A drop copy was loaded (under the gate's lock): a takeover waiting for it is complete.</summary>
    internal void OnReconciled(string who, DateTimeOffset asOf)
    {
        Set(HoldTakeover, false);
        TradingLog.Reconciled(_logger, who, asOf);
    }

    private async Task TakeOverAsync(long token, long generation)
    {
        try
        {
            lock (_gate.Sync)
            {
                Enqueue(new JournalEntry { Kind = JournalRecordKind.TermStarted, Token = token, Time = _gate.Time.GetUtcNow().UtcTicks, Actor = Writer, Cause = "term started" });
            }

            await FlushAsync(_stopping.Token).ConfigureAwait(false);
            await CatchUpAsync(_stopping.Token).ConfigureAwait(false);
            lock (_gate.Sync)
            {
                // A term ended or another began meanwhile: this catch-up opens nothing.
                if (_generation == generation && _options.Takeover == TakeoverSource.Journal && _storeHighest <= token)
                {
                    Set(HoldTakeover, false);
                }
            }

            TradingLog.TakeoverCaughtUp(_logger, token, Interlocked.Read(ref _appliedSequence));
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            // Stopping: the gate stays held.
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Fail closed: the gate stays held for this term.
            TradingLog.TakeoverFailed(_logger, ex, token);
        }
    }

    /// <summary>
    /// While held for a takeover (following, or a new leader still catching up), applies the rows other writers add,
    /// every <see cref="TradingJournalOptions.FollowInterval"/>. The gate takes no order meanwhile; the catch-ups are
    /// serialised with a takeover's, so each row is applied once. A read that fails is retried at the next interval (a
    /// takeover that cannot read fails closed on its own).
    /// </summary>
    private async Task TailAsync(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(_options.FollowInterval, _gate.Time, stopping).ConfigureAwait(false);
                bool following;
                lock (_gate.Sync)
                {
                    following = (_holds & HoldTakeover) != 0;
                }

                if (following)
                {
                    await CatchUpAsync(stopping).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                TradingLog.JournalFollowFailed(_logger, ex);
            }
        }
    }

    /// <summary>Applies every row after the last one applied, except this writer's own (already in the gate).</summary>
    private async Task CatchUpAsync(CancellationToken cancellationToken)
    {
        await _reading.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            while (true)
            {
                var rows = await _store.ReadAsync(Interlocked.Read(ref _appliedSequence), ReadPage, cancellationToken).ConfigureAwait(false);
                foreach (var row in rows)
                {
                    if (row.Writer != Writer)
                    {
                        _gate.Replay(row);
                        Interlocked.Increment(ref _applied);
                    }

                    Interlocked.Exchange(ref _appliedSequence, row.Sequence);
                }

                if (rows.Count < ReadPage)
                {
                    return;
                }
            }
        }
        finally
        {
            _reading.Release();
        }
    }

    private async Task RunAsync(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                // A batch that failed is retried at once after the pause below; otherwise wait for a row.
                if (_inflight is null)
                {
                    await _signal.WaitAsync(stopping).ConfigureAwait(false);
                }

                Volatile.Write(ref _signaled, 0);
                await WriteQueuedAsync(stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // Fail closed: hold, keep every row, try again.
                lock (_gate.Sync)
                {
                    _storeError = ex.Message;
                    Set(HoldStore, true);
                }

                TradingLog.JournalStoreFailed(_logger, ex, Interlocked.Read(ref _pending));
                try
                {
                    await Task.Delay(_options.RetryInterval, _gate.Time, stopping).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    /// <summary>Writes the queue in batches, each one transaction; a batch that fails stays in flight for the next attempt.</summary>
    private async Task WriteQueuedAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            if (_inflight is null)
            {
                var batch = new List<JournalRecord>();
                while (batch.Count < _options.MaximumBatch && _queue.TryDequeue(out var entry))
                {
                    batch.Add(ToRecord(in entry));
                }

                if (batch.Count == 0)
                {
                    return;
                }

                _inflight = batch;
            }

            var result = await _store.AppendAsync(_inflight, cancellationToken).ConfigureAwait(false);
            var count = _inflight.Count;
            var refused = result.Refused.Count;
            var ownTermStarted = _inflight.Exists(r => r.Kind == JournalRecordKind.TermStarted) && refused == 0;
            _inflight = null;
            if (refused > 0)
            {
                Interlocked.Add(ref _refused, refused);
                TradingLog.JournalRefusedStale(_logger, refused, result.HighestToken);
            }

            var pending = Interlocked.Add(ref _pending, -count);
            lock (_gate.Sync)
            {
                _storeError = null;
                _storeHighest = result.HighestToken;
                Set(HoldStore, false);
                if (pending <= _options.QueueCapacity / 2)
                {
                    Set(HoldBacklog, false);
                }

                // Refused rows mean a newer term owns the journal: this gate trades no more until it holds a term at least as new.
                if (refused > 0)
                {
                    Set(HoldDeposed, true);
                }
                else if (ownTermStarted)
                {
                    Set(HoldDeposed, false);
                }
            }

            var committed = Interlocked.Add(ref _committed, count);
            lock (_waitersLock)
            {
                for (var i = _waiters.Count - 1; i >= 0; i--)
                {
                    if (_waiters[i].Target <= committed)
                    {
                        _waiters[i].Done.TrySetResult();
                        _waiters.RemoveAt(i);
                    }
                }
            }
        }
    }

    private JournalRecord ToRecord(in JournalEntry e)
    {
        var u = _gate.Universe;
        var record = new JournalRecord
        {
            Writer = Writer,
            Token = e.Token,
            Kind = e.Kind,
            Time = new DateTimeOffset(e.Time, TimeSpan.Zero),
            OrderId = e.OrderId,
            ExecutionId = e.ExecutionId,
            Quantity = e.Quantity,
            Price = e.Price,
            State = e.State,
            Actor = e.Actor,
            Cause = e.Cause,
        };
        return e.Kind switch
        {
            JournalRecordKind.Accepted => record with
            {
                Account = u.AccountNames[e.Account],
                Strategy = u.StrategyNames[e.Strategy],
                Symbol = u.SymbolNames[e.Symbol],
                Side = e.Side,
                Source = e.Action == OrderAction.Replace ? "replace" : "new",
            },
            JournalRecordKind.Reconciled => record with { Account = u.AccountNames[e.Account], Symbol = u.SymbolNames[e.Symbol] },
            JournalRecordKind.SessionStart => record with { Account = e.Account < 0 ? null : u.AccountNames[e.Account] },
            JournalRecordKind.State => record with { Scope = _gate.ScopeNameOf(e.ScopeIndex), Source = RiskGate.SourceName(e.Source) },
            _ => record,
        };
    }

    private void Hold(int flag, bool on)
    {
        lock (_gate.Sync)
        {
            Set(flag, on);
        }
    }

    /// <summary>Caller holds the gate's lock.</summary>
    private void Set(int flag, bool on)
    {
        var before = _holds;
        _holds = on ? before | flag : before & ~flag;
        if (_holds != before || (flag == HoldStore && on))
        {
            _gate.SetJournalHold(Describe());
        }
    }

    private string? Describe()
    {
        if (_holds == 0)
        {
            return null;
        }

        var reasons = new List<string>();
        if ((_holds & HoldRebuilding) != 0)
        {
            reasons.Add("rebuilding from the trading journal");
        }

        if ((_holds & HoldTakeover) != 0)
        {
            reasons.Add(_options.Takeover == TakeoverSource.Journal
                ? "not leader, or a new leader reading the previous term from the journal"
                : "not leader, or a new leader waiting for a drop copy (Reconcile)");
        }

        if ((_holds & HoldBacklog) != 0)
        {
            reasons.Add(string.Create(CultureInfo.InvariantCulture, $"journal behind: {Interlocked.Read(ref _pending)} rows waiting, capacity {_options.QueueCapacity}"));
        }

        if ((_holds & HoldStore) != 0)
        {
            reasons.Add("journal store failing: " + _storeError);
        }

        if ((_holds & HoldDeposed) != 0)
        {
            reasons.Add(string.Create(CultureInfo.InvariantCulture, $"deposed: the journal holds term {_storeHighest}, newer than this gate's"));
        }

        return string.Join("; ", reasons);
    }
}
