using Bulwark.Failover;
using Bulwark.Tests.Shared;
using Bulwark.Tests.TestSupport;
using Bulwark.Trading;
using Bulwark.Trading.Journal;

namespace Bulwark.Tests.Trading.Journal;

public sealed class TradingJournalTests : IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Restart_RestoresPositionsWorkingOrdersPnlHaltsDisablesBreakerAndALossLimitReducing()
    {
        var path = _dir.File("journal.db");
        var first = new TradingFixture(Configure);
        var expected = default((PositionSnapshot Position, AccountExposure Exposure, long[] Working, double Pnl));
        await using (var store = await SqliteTradingJournalStore.OpenAsync(path))
        {
            await using var journal = await TradingJournal.StartAsync(first.Gate, store);
            var g = first.Gate;
            var bought = Send(first, journal, first.Buy(100));
            g.OnAck(bought.ClientOrderId);
            g.OnFill(bought.ClientOrderId, 1, 60, 100);
            g.OnFill(bought.ClientOrderId, 2, 40, 99.5);
            var sold = Send(first, journal, first.Sell(30));
            g.OnFill(sold.ClientOrderId, 3, 30, 101);
            var working = Send(first, journal, first.Buy(20, 99));
            var cancelled = Send(first, journal, first.Buy(10, 98));
            g.OnCancel(cancelled.ClientOrderId);
            var rejected = Send(first, journal, first.Sell(5));
            g.OnReject(rejected.ClientOrderId);
            g.SetTradingState(TradingScope.ForSymbol(TradingFixture.OtherSymbol), TradingState.Halted, "alice", "news pending");

            // A loss past the account's limit: the gate moves A1 to Reducing.
            g.UpdateReferencePrice(first.Y, 80);
            g.Evaluate();
            Assert.Equal(TradingState.Reducing, g.GetTradingState(TradingScope.ForAccount(TradingFixture.Account)));
            lock (g.Sync)
            {
                g.SetSource(g.ScopeIndexOrThrow(TradingScope.ForStrategy(TradingFixture.OtherStrategy)), RiskGate.RepeatedExecutionSource, RiskGate.DisabledBit, "bulwark", "11 fills");
                g.SetSource(0, RiskGate.CircuitBreakerSource, RiskGate.StateBits(TradingState.Reducing), "bulwark", "circuit breaker Open");
            }

            await journal.FlushAsync();
            expected = (g.GetPosition(first.A, first.Y), g.GetExposure(first.A), g.GetWorkingOrders().Order().ToArray(), g.DailyPnl(first.A));
            Assert.Equal([working.ClientOrderId], expected.Working);
        }

        // The same session, a new process: a new gate from the same configuration and the journal.
        var second = new TradingFixture(Configure, feedReference: false);
        second.Time.SetUtcNow(first.Time.GetUtcNow());
        await using (var store = await SqliteTradingJournalStore.OpenAsync(path))
        {
            await using var journal = await TradingJournal.StartAsync(second.Gate, store);
            var g = second.Gate;
            Assert.Null(journal.HoldReason);
            Assert.Equal(expected.Position, g.GetPosition(second.A, second.Y));
            Assert.Equal(expected.Exposure, g.GetExposure(second.A));
            Assert.Equal(expected.Working, g.GetWorkingOrders().Order().ToArray());
            g.UpdateReferencePrice(second.Y, 80);
            Assert.Equal(expected.Pnl, g.DailyPnl(second.A), 6);
            Assert.Equal(TradingState.Halted, g.GetTradingState(TradingScope.ForSymbol(TradingFixture.OtherSymbol)));
            Assert.Equal(RiskGate.DisabledBit, g.GetSource(g.ScopeIndexOrThrow(TradingScope.ForStrategy(TradingFixture.OtherStrategy)), RiskGate.RepeatedExecutionSource));
            Assert.Equal(CircuitBreakerState.Open, g.Breaker.State);

            // The loss-limit Reducing survived the restart, with no person involved, and still holds after an evaluation.
            g.Evaluate();
            Assert.Equal(TradingState.Reducing, g.GetTradingState(TradingScope.ForAccount(TradingFixture.Account)));
            Assert.Equal(RiskGate.ReducingBit, g.GetSource(g.ScopeIndexOrThrow(TradingScope.ForAccount(TradingFixture.Account)), RiskGate.LossLimitSource));

            // The working order's reservation came back: its fill moves the position and frees the worst case.
            Assert.True(g.OnFill(expected.Working[0], 4, 20, 99));
            Assert.Equal(expected.Position.Position + 20, g.GetPosition(second.A, second.Y).Position);
            Assert.Empty(g.GetWorkingOrders());
        }

        static void Configure(RiskGateOptions o)
        {
            o.AccountLimits[TradingFixture.Account] = new RiskLimits { MaximumDailyLoss = 100 };
            o.LossLimitState = TradingState.Reducing;
        }
    }

    [Fact]
    public async Task ALossLimitOfAnEarlierSession_IsNotRestored_TheSessionResetLiftsIt()
    {
        var path = _dir.File("journal.db");
        var first = new TradingFixture(o => o.AccountLimits[TradingFixture.Account] = new RiskLimits { MaximumDailyLoss = 100 });
        await using (var store = await SqliteTradingJournalStore.OpenAsync(path))
        {
            await using var journal = await TradingJournal.StartAsync(first.Gate, store);
            var bought = Send(first, journal, first.Buy(100));
            first.Gate.OnFill(bought.ClientOrderId, 1, 100, 100);
            first.Gate.UpdateReferencePrice(first.Y, 90);
            first.Gate.Evaluate();
            Assert.Equal(TradingState.Reducing, first.Gate.GetTradingState(TradingScope.ForAccount(TradingFixture.Account)));
            await journal.FlushAsync();
        }

        var next = new TradingFixture(o => o.AccountLimits[TradingFixture.Account] = new RiskLimits { MaximumDailyLoss = 100 });
        next.Time.SetUtcNow(first.Time.GetUtcNow().AddDays(1));
        var gate = new RiskGate(next.Options, next.Time);
        await using (var store = await SqliteTradingJournalStore.OpenAsync(path))
        {
            await using var journal = await TradingJournal.StartAsync(gate, store);
            Assert.Equal(100, gate.GetPosition(next.A, next.Y).Position); // the position carries over the night
            Assert.Equal(TradingState.Active, gate.GetTradingState(TradingScope.ForAccount(TradingFixture.Account)));
        }
    }

    [Fact]
    public async Task UntilTheRebuildIsComplete_NewOrdersAreHeldWithAReason_AndCancelsPass()
    {
        var f = new TradingFixture();
        var store = new GatedStore(await SqliteTradingJournalStore.OpenAsync(_dir.File("journal.db")));
        await using var _ = store;
        store.ReadGate = new TaskCompletionSource();
        var starting = TradingJournal.StartAsync(f.Gate, store);
        await Eventually.WaitUntilAsync(() => store.Reads > 0, Wait, "the rebuild started");

        var held = f.Check(f.Buy(1));
        Assert.Equal(RiskRejectReason.JournalNotCurrent, held.Reason);
        Assert.True(f.Gate.Check(OrderRequest.Cancel(99, f.A, f.S, f.Y)).IsAccepted);
        var events = new List<SafetyEvent>();
        while (f.Gate.TryTakeEvent(out var e))
        {
            events.Add(e);
        }

        Assert.Contains(events, e => e.Kind == TradingEventKinds.TradingState && e.Cause!.Contains("rebuilding from the trading journal", StringComparison.Ordinal));

        store.ReadGate.SetResult();
        await using var journal = await starting;
        Assert.True(f.Check(f.Buy(1)).IsAccepted);
    }

    [Fact]
    public async Task AStoreThatFails_HoldsNewOrdersWithItsError_KeepsEveryRow_AndLetsGoOnceItWrites()
    {
        var f = new TradingFixture();
        var store = new GatedStore(await SqliteTradingJournalStore.OpenAsync(_dir.File("journal.db")));
        await using var _ = store;
        await using var journal = await TradingJournal.StartAsync(f.Gate, store, new TradingJournalOptions { RetryInterval = TimeSpan.FromMilliseconds(10) });
        store.Failure = new IOException("disk full");
        var order = Send(f, journal, f.Buy(10));
        await Eventually.WaitUntilAsync(() => journal.HoldReason?.Contains("disk full", StringComparison.Ordinal) == true, Wait, "held for the store");
        Assert.Equal(RiskRejectReason.JournalNotCurrent, f.Check(f.Buy(1)).Reason);
        Assert.True(f.Gate.Check(OrderRequest.Cancel(order.ClientOrderId, f.A, f.S, f.Y)).IsAccepted);

        store.Failure = null;
        await Eventually.WaitUntilAsync(() => { f.Time.Advance(TimeSpan.FromMilliseconds(10)); return journal.HoldReason is null; }, Wait, "released once written");
        await journal.FlushAsync();
        var rows = await store.ReadAsync(0, 100);
        Assert.Contains(rows, r => r.Kind == JournalRecordKind.Accepted && r.OrderId == order.ClientOrderId);
        Assert.True(f.Check(f.Buy(1)).IsAccepted);
    }

    [Fact]
    public async Task AJournalThatCannotKeepUp_RefusesToRecordAcceptedOrders_AndHoldsUntilItDrains()
    {
        var f = new TradingFixture();
        var store = new GatedStore(await SqliteTradingJournalStore.OpenAsync(_dir.File("journal.db")));
        await using var _ = store;
        await using var journal = await TradingJournal.StartAsync(f.Gate, store, new TradingJournalOptions { QueueCapacity = 4 });
        store.AppendGate = new TaskCompletionSource();
        var sent = new List<long>();
        for (var i = 0; i < 5; i++)
        {
            var order = f.Buy(1);
            Assert.True(f.Check(order).IsAccepted);
            if (journal.RecordAccepted(order, RiskDecision.Accepted))
            {
                sent.Add(order.ClientOrderId);
            }
        }

        // The capacity was taken (the writer's batch in flight counts until it is durable); the fifth was released, not sent.
        Assert.Equal(4, sent.Count);
        Assert.Equal(sent.Order(), f.Gate.GetWorkingOrders().Order());
        Assert.Equal(RiskRejectReason.JournalNotCurrent, f.Check(f.Buy(1)).Reason);
        Assert.Contains("journal behind", journal.HoldReason, StringComparison.Ordinal);

        store.AppendGate.TrySetResult();
        await journal.FlushAsync();
        Assert.Null(journal.HoldReason);
        Assert.True(f.Check(f.Buy(1)).IsAccepted);
    }

    [Fact]
    public async Task SqliteStore_RefusesARowOfAnOlderTerm_InTheSameTransaction_AcrossConnections()
    {
        var path = _dir.File("journal.db");
        await using var a = await SqliteTradingJournalStore.OpenAsync(path);
        await using var b = await SqliteTradingJournalStore.OpenAsync(path);
        var written = await a.AppendAsync([Row(5, "a", 1), Row(5, "a", 2)]);
        Assert.Equal(2, written.Written);
        Assert.Equal(5, written.HighestToken);

        var newer = await b.AppendAsync([Row(6, "b", 3)]);
        Assert.Empty(newer.Refused);

        // The deposed writer's batch: the rows of term 5 are refused, a row of term 7 in the same batch is written.
        var stale = await a.AppendAsync([Row(5, "a", 4), Row(7, "a", 5), Row(6, "a", 6)]);
        Assert.Equal([0, 2], stale.Refused);
        Assert.Equal(7, stale.HighestToken);
        var rows = await b.ReadAsync(0, 100);
        Assert.Equal([1L, 2, 3, 5], rows.Select(r => r.OrderId));
        Assert.Equal([5L, 5, 6, 7], rows.Select(r => r.Token));

        static JournalRecord Row(long token, string writer, long id) => new() { Token = token, Writer = writer, Kind = JournalRecordKind.Ack, OrderId = id };
    }

    [Fact]
    public async Task SqliteStore_IsAppendOnly()
    {
        var path = _dir.File("journal.db");
        await using var store = await SqliteTradingJournalStore.OpenAsync(path);
        await store.AppendAsync([new JournalRecord { Writer = "a", Kind = JournalRecordKind.Ack, OrderId = 1 }]);
        await using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path}");
        await connection.OpenAsync();
        using var command = connection.CreateCommand();
        command.CommandText = "UPDATE trading_journal SET quantity = 5;";
        Assert.Throws<Microsoft.Data.Sqlite.SqliteException>(() => command.ExecuteNonQuery());
        command.CommandText = "DELETE FROM trading_journal;";
        Assert.Throws<Microsoft.Data.Sqlite.SqliteException>(() => command.ExecuteNonQuery());
    }

    [Fact]
    public async Task Takeover_TheNewLeaderReadsThePreviousTermBeforeItsFirstOrder_AndTheOldLeadersLateRowsAreRefused()
    {
        await using var pair = await TwoReplicasAsync();
        var (f1, f2, gate2, time, journal1, journal2, e1, e2, store2) = (pair.F1, pair.F2, pair.Gate2, pair.Time, pair.Journal1, pair.Journal2, pair.E1, pair.E2, pair.Store2);

        Assert.True(await e1.StepAsync(CancellationToken.None));
        await Eventually.WaitUntilAsync(() => journal1.HoldReason is null, Wait, "r1 caught up");
        var bought = new OrderRequest(1_000, f1.A, f1.S, f1.Y, OrderSide.Buy, 50, 100);
        Assert.True(journal1.RecordAccepted(bought, f1.Check(bought)));
        f1.Gate.OnFill(bought.ClientOrderId, 1, 30, 100);
        var resting = new OrderRequest(1_001, f1.A, f1.S, f1.Y, OrderSide.Sell, 10, 101);
        Assert.True(journal1.RecordAccepted(resting, f1.Check(resting)));
        await journal1.FlushAsync();

        // r2 is a follower: held (its journal holds too, and the reason given is the one that says more). r1 stops renewing
        // (paused); its lease expires and r2 wins a newer term.
        Assert.Equal(RiskRejectReason.NotLeader, gate2.Check(new OrderRequest(2_000, f2.A, f2.S, f2.Y, OrderSide.Buy, 1, 100)).Reason);
        time.Advance(Timing.Ttl + TimeSpan.FromMilliseconds(1));
        Assert.True(await e2.StepAsync(CancellationToken.None));
        await Eventually.WaitUntilAsync(() => journal2.HoldReason is null, Wait, "r2 caught up");

        // The positions, the rest of the old term's order and its reservation carried over.
        Assert.Equal(f1.Gate.GetPosition(f1.A, f1.Y), gate2.GetPosition(f2.A, f2.Y));
        Assert.Equal(f1.Gate.GetExposure(f1.A), gate2.GetExposure(f2.A));
        Assert.Equal([1_000L, 1_001], gate2.GetWorkingOrders().Order());
        Assert.True(gate2.Check(new OrderRequest(2_001, f2.A, f2.S, f2.Y, OrderSide.Buy, 1, 100)).IsAccepted);

        // The deposed leader's report, written after the new term's first row, is refused by the store.
        f1.Gate.OnFill(bought.ClientOrderId, 2, 20, 100);
        await journal1.FlushAsync();
        Assert.Equal(1, journal1.RefusedAsStale);
        Assert.Contains("deposed", journal1.HoldReason, StringComparison.Ordinal);
        Assert.DoesNotContain(await store2.ReadAsync(0, 1000), r => r.ExecutionId == 2);
    }

    [Fact]
    public async Task AFollower_AppliesTheLeadersRowsAsTheyAreWritten_SoItsTakeoverReadsOnlyTheRest()
    {
        // Without following, a takeover read every row since the follower started: at a day's volume, longer than the
        // recovery-time SLA (bench/journal/measure.sh gives the rows per second a catch-up applies).
        var follow = new TradingJournalOptions { FollowInterval = TimeSpan.FromMilliseconds(200) };
        await using var pair = await TwoReplicasAsync(follow);
        var (f1, f2, gate2, time, journal1, journal2, e1, e2) = (pair.F1, pair.F2, pair.Gate2, pair.Time, pair.Journal1, pair.Journal2, pair.E1, pair.E2);
        var store2 = pair.Store2;
        Assert.True(await e1.StepAsync(CancellationToken.None));
        await Eventually.WaitUntilAsync(() => journal1.HoldReason is null, Wait, "r1 caught up");

        // A follower whose reads fail meanwhile goes on following once they work again.
        store2.ReadFailure = new IOException("disk unreadable");
        var bought = new OrderRequest(1_000, f1.A, f1.S, f1.Y, OrderSide.Buy, 50, 100);
        Assert.True(journal1.RecordAccepted(bought, f1.Check(bought)));
        f1.Gate.OnFill(bought.ClientOrderId, 1, 30, 100);
        await journal1.FlushAsync();
        var failedReads = store2.Reads;
        await Eventually.WaitUntilAsync(() =>
        {
            time.Advance(follow.FollowInterval);
            return store2.Reads > failedReads + 1;
        }, Wait, "r2 tried to follow while its reads failed");
        Assert.Equal(0, gate2.GetPosition(f2.A, f2.Y).Position);
        store2.ReadFailure = null;

        // r2 still follows (not leader, so held), and its gate already has r1's position and working order.
        await Eventually.WaitUntilAsync(() =>
        {
            time.Advance(follow.FollowInterval);
            return gate2.GetPosition(f2.A, f2.Y) == f1.Gate.GetPosition(f1.A, f1.Y) && gate2.GetWorkingOrders().Count == 1;
        }, Wait, "r2 followed r1's rows");
        Assert.Equal(RiskRejectReason.NotLeader, gate2.Check(new OrderRequest(2_000, f2.A, f2.S, f2.Y, OrderSide.Buy, 1, 100)).Reason);

        // One more row, after r2's last read; then r1's lease lapses and r2 takes over: its catch-up applies that row only.
        f1.Gate.OnFill(bought.ClientOrderId, 2, 20, 100);
        await journal1.FlushAsync();
        var followed = journal2.RowsApplied;
        time.Advance(Timing.Ttl + TimeSpan.FromMilliseconds(1));
        Assert.True(await e2.StepAsync(CancellationToken.None));
        await Eventually.WaitUntilAsync(() => journal2.HoldReason is null, Wait, "r2 caught up");
        Assert.InRange(journal2.RowsApplied - followed, 0, 1);
        Assert.Equal(50, gate2.GetPosition(f2.A, f2.Y).Position);
        Assert.Empty(gate2.GetWorkingOrders());
    }

    [Fact]
    public async Task Takeover_FromADropCopy_HoldsTheGateUntilReconcile_ThenTradesOnTheBrokersPositions()
    {
        var timing = Timing;
        var f = new TradingFixture(o => o.Firm.MaximumLongPosition = 100);
        await using var leases = await SqliteLeaseCoordinator.OpenAsync(_dir.File("leases.db"), f.Time);
        await using var store = await SqliteTradingJournalStore.OpenAsync(_dir.File("journal.db"));
        await using var journal = await TradingJournal.StartAsync(f.Gate, store, new TradingJournalOptions { Takeover = TakeoverSource.DropCopy });
        await using var elector = new LeaderElector(leases, "engines", "r2", timing, f.Time);
        elector.BindTo(f.Gate);
        journal.Follow(elector);
        Assert.True(await elector.StepAsync(CancellationToken.None));
        await journal.FlushAsync();
        await Task.Yield();
        Assert.Equal(RiskRejectReason.JournalNotCurrent, f.Check(f.Buy(1)).Reason);
        Assert.Contains("drop copy", journal.HoldReason, StringComparison.Ordinal);

        Assert.Throws<ArgumentException>(() => f.Gate.Reconcile([new ReconciledPosition("NOPE", TradingFixture.Symbol, 1, 1)], f.Time.GetUtcNow(), "ops"));
        f.Gate.Reconcile([new ReconciledPosition(TradingFixture.Account, TradingFixture.Symbol, 90, 100)], f.Time.GetUtcNow(), "ops");
        Assert.Null(journal.HoldReason);
        Assert.Equal(90, f.Gate.GetPosition(f.A, f.Y).Position);
        Assert.Equal(RiskRejectReason.MaximumLongPosition, f.Check(f.Buy(11)).Reason); // the broker's 90 counts
        Assert.True(f.Check(f.Buy(10)).IsAccepted);
        await journal.FlushAsync();
        Assert.Contains(await store.ReadAsync(0, 100), r => r.Kind == JournalRecordKind.Reconciled && r.Quantity == 90 && r.Actor == "ops");
    }

    private static readonly LeaderElectorOptions Timing = new() { Ttl = TimeSpan.FromSeconds(2), RenewInterval = TimeSpan.FromMilliseconds(500), SafetyMargin = TimeSpan.FromMilliseconds(500) };

    /// <summary>
    /// Two replicas of one failover group on one journal file, on one fake clock (f1's): r1 on f1's gate, r2 on a gate of
    /// its own whose store can be held back or made to fail; each journal follows its replica's elector (not started:
    /// the test steps them).
    /// </summary>
    private async Task<TwoReplicas> TwoReplicasAsync(TradingJournalOptions? options = null)
    {
        var pair = new TwoReplicas { F1 = new TradingFixture(), F2 = new TradingFixture(feedReference: false) };
        try
        {
            pair.Gate2 = new RiskGate(pair.F2.Options, pair.Time);
            pair.Gate2.UpdateReferencePrice(pair.F2.Y, TradingFixture.ReferencePrice);
            pair.Leases = await SqliteLeaseCoordinator.OpenAsync(_dir.File("leases.db"), pair.Time);
            pair.Store1 = await SqliteTradingJournalStore.OpenAsync(_dir.File("journal.db"));
            pair.Store2 = new GatedStore(await SqliteTradingJournalStore.OpenAsync(_dir.File("journal.db")));
            pair.Journal1 = await TradingJournal.StartAsync(pair.F1.Gate, pair.Store1, options);
            pair.Journal2 = await TradingJournal.StartAsync(pair.Gate2, pair.Store2, options);
            pair.E1 = new LeaderElector(pair.Leases, "engines", "r1", Timing, pair.Time);
            pair.E2 = new LeaderElector(pair.Leases, "engines", "r2", Timing, pair.Time);
            pair.E1.BindTo(pair.F1.Gate);
            pair.Journal1.Follow(pair.E1);
            pair.E2.BindTo(pair.Gate2);
            pair.Journal2.Follow(pair.E2);
            return pair;
        }
        catch
        {
            await pair.DisposeAsync();
            throw;
        }
    }

    private sealed class TwoReplicas : IAsyncDisposable
    {
        public required TradingFixture F1 { get; init; }

        public required TradingFixture F2 { get; init; }

        public Microsoft.Extensions.Time.Testing.FakeTimeProvider Time => F1.Time;

        public RiskGate Gate2 { get; set; } = null!;

        public SqliteLeaseCoordinator? Leases { get; set; }

        public ITradingJournalStore? Store1 { get; set; }

        public GatedStore Store2 { get; set; } = null!;

        public TradingJournal Journal1 { get; set; } = null!;

        public TradingJournal Journal2 { get; set; } = null!;

        public LeaderElector E1 { get; set; } = null!;

        public LeaderElector E2 { get; set; } = null!;

        public async ValueTask DisposeAsync()
        {
            foreach (var disposable in new IAsyncDisposable?[] { E2, E1, Journal2, Journal1, Store2, Store1, Leases })
            {
                if (disposable is not null)
                {
                    await disposable.DisposeAsync();
                }
            }
        }
    }

    private static OrderRequest Send(TradingFixture f, TradingJournal journal, OrderRequest order)
    {
        var decision = f.Check(order);
        Assert.True(decision.IsAccepted, decision.ToString());
        Assert.True(journal.RecordAccepted(order, decision));
        return order;
    }

    /// <summary>A store whose reads and appends can be held back or made to fail.</summary>
    private sealed class GatedStore(ITradingJournalStore inner) : ITradingJournalStore
    {
        private int _reads;

        public TaskCompletionSource? ReadGate { get; set; }

        public TaskCompletionSource? AppendGate { get; set; }

        public Exception? Failure { get; set; }

        public Exception? ReadFailure { get; set; }

        public int Reads => Volatile.Read(ref _reads);

        public async ValueTask<JournalAppendResult> AppendAsync(IReadOnlyList<JournalRecord> records, CancellationToken cancellationToken = default)
        {
            if (AppendGate is { } gate)
            {
                // Bounded: a failed assertion must not leave the writer blocked for ever.
                await gate.Task.WaitAsync(Wait, CancellationToken.None).ConfigureAwait(false);
            }

            if (Failure is { } failure)
            {
                throw failure;
            }

            return await inner.AppendAsync(records, cancellationToken);
        }

        public async ValueTask<IReadOnlyList<JournalRecord>> ReadAsync(long afterSequence, int limit, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _reads);
            if (ReadGate is { } gate)
            {
                await gate.Task.WaitAsync(cancellationToken);
            }

            if (ReadFailure is { } failure)
            {
                throw failure;
            }

            return await inner.ReadAsync(afterSequence, limit, cancellationToken);
        }

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
