using Bulwark.Failover;
using Bulwark.Tests.TestSupport;
using Bulwark.Trading;
using Bulwark.Trading.Journal;

namespace Bulwark.Tests.Trading.Journal;

/// <summary>
/// The journal as a safety system runs it (<c>trading.journal:</c>, on by default): a system stopped and started again on
/// the same data directory trades on from where it was, and a replica that takes over trades on the old leader's positions.
/// Real clocks, a real TCP check, conditions with deadlines.
/// </summary>
public sealed class SafetySystemJournalTests : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private BulwarkOptions Options(int port, bool journal = true)
    {
        var options = TestSystems.GatewayOverTcp(_dir.Path, port);
        options.Trading = TradingFixture.DefaultOptions();
        options.Trading.AccountLimits[TradingFixture.Account] = new RiskLimits { MaximumDailyLoss = 100 };
        options.Trading.LossLimitState = TradingState.Reducing;
        options.TradingJournal.Enabled = journal;
        return options;
    }

    private static async Task<RiskGate> StartedAndTradingAsync(SafetySystem system)
    {
        await system.StartAsync();
        var gate = system.Trading!.Gate;
        await Eventually.WaitUntilAsync(() => gate.GetTradingState(TradingScope.Firm) == TradingState.Active, Deadline, "the start's hold lifted");
        return gate;
    }

    private static OrderRequest Send(SafetySystem system, long id, OrderSide side, long quantity, double price)
    {
        var gate = system.Trading!.Gate;
        var y = gate.GetSymbolId(TradingFixture.Symbol);
        gate.UpdateReferencePrice(y, 100);
        var order = new OrderRequest(id, gate.GetAccountId(TradingFixture.Account), gate.GetStrategyId(TradingFixture.Strategy), y, side, quantity, price);
        var decision = gate.Check(order);
        Assert.True(decision.IsAccepted, decision.ToString());
        Assert.True(system.Trading.Journal!.RecordAccepted(order, decision));
        return order;
    }

    [Fact]
    public async Task AStopAndAStartOnTheSameDataDirectory_RestorePositionsWorkingOrdersAManualHaltAndALossLimitReducing()
    {
        var (listener, port) = TestSystems.Listen();
        using var _ = listener;
        PositionSnapshot position;
        long working;
        await using (var first = SafetySystem.Create(Options(port)))
        {
            var gate = await StartedAndTradingAsync(first);
            var a = gate.GetAccountId(TradingFixture.Account);
            var y = gate.GetSymbolId(TradingFixture.Symbol);
            var bought = Send(first, 1, OrderSide.Buy, 100, 100);
            gate.OnAck(bought.ClientOrderId);
            Assert.True(gate.OnFill(bought.ClientOrderId, 1, 100, 100));
            working = Send(first, 2, OrderSide.Buy, 20, 99).ClientOrderId;
            gate.SetTradingState(TradingScope.ForSymbol(TradingFixture.OtherSymbol), TradingState.Halted, "alice", "news pending");

            // Marked down 2: a loss of 200 against A1's limit of 100 moves A1 to Reducing (the loss-limit latch).
            gate.UpdateReferencePrice(y, 98);
            gate.Evaluate();
            Assert.Equal(RiskGate.ReducingBit, gate.GetSource(gate.ScopeIndexOrThrow(TradingScope.ForAccount(TradingFixture.Account)), RiskGate.LossLimitSource));
            position = gate.GetPosition(a, y);
            Assert.Equal(100, position.Position);
            await first.StopAsync();
        }

        await using (var second = SafetySystem.Create(Options(port)))
        {
            var gate = await StartedAndTradingAsync(second);
            var a = gate.GetAccountId(TradingFixture.Account);
            var y = gate.GetSymbolId(TradingFixture.Symbol);
            Assert.Null(second.Trading!.Journal!.HoldReason);
            Assert.Equal(position, gate.GetPosition(a, y));
            Assert.Equal([working], gate.GetWorkingOrders());
            Assert.Equal(TradingState.Halted, gate.GetTradingState(TradingScope.ForSymbol(TradingFixture.OtherSymbol)));

            // The loss latch came back with the session, no person involved, and a fresh mark without a loss does not lift it.
            var account = gate.ScopeIndexOrThrow(TradingScope.ForAccount(TradingFixture.Account));
            Assert.Equal(RiskGate.ReducingBit, gate.GetSource(account, RiskGate.LossLimitSource));
            gate.UpdateReferencePrice(y, 100);
            gate.UpdateReferencePrice(gate.GetSymbolId(TradingFixture.OtherSymbol), 100);
            gate.Evaluate();
            Assert.Equal(TradingState.Reducing, gate.GetTradingState(TradingScope.ForAccount(TradingFixture.Account)));
            Assert.Equal(RiskRejectReason.ReduceOnly, gate.Check(new OrderRequest(3, a, gate.GetStrategyId(TradingFixture.Strategy), y, OrderSide.Buy, 1, 100)).Reason);

            // The working order's reservation is back: its fill moves the position.
            Assert.True(gate.OnFill(working, 2, 20, 99));
            Assert.Equal(120, gate.GetPosition(a, y).Position);
        }
    }

    [Fact]
    public async Task WithTheJournalOff_ARestartStartsFlat()
    {
        // The control for the test above: what it shows comes from the journal, not from anything else that survives.
        var (listener, port) = TestSystems.Listen();
        using var _ = listener;
        await using (var first = SafetySystem.Create(Options(port, journal: false)))
        {
            var gate = await StartedAndTradingAsync(first);
            Assert.Null(first.Trading!.Journal);
            var y = gate.GetSymbolId(TradingFixture.Symbol);
            gate.UpdateReferencePrice(y, 100);
            var order = new OrderRequest(1, gate.GetAccountId(TradingFixture.Account), gate.GetStrategyId(TradingFixture.Strategy), y, OrderSide.Buy, 100, 100);
            Assert.True(gate.Check(order).IsAccepted);
            Assert.True(gate.OnFill(1, 1, 100, 100));
        }

        Assert.False(File.Exists(_dir.File("trading-journal.db")));
        await using var second = SafetySystem.Create(Options(port, journal: false));
        var again = await StartedAndTradingAsync(second);
        Assert.Equal(0, again.GetPosition(again.GetAccountId(TradingFixture.Account), again.GetSymbolId(TradingFixture.Symbol)).Position);
    }

    [Fact]
    public async Task UntilTheRebuildIsDone_TheGateIsHeld_OnlyCancelsPass()
    {
        var (listener, port) = TestSystems.Listen();
        using var _ = listener;
        await using var store = new ReadHeldStore(await SqliteTradingJournalStore.OpenAsync(_dir.File("journal.db")));
        await using var system = SafetySystem.Create(Options(port), tradingJournalStore: store);
        var starting = system.StartAsync();
        await store.Reading.Task.WaitAsync(Deadline);
        var gate = system.Trading!.Gate;
        var y = gate.GetSymbolId(TradingFixture.Symbol);
        gate.UpdateReferencePrice(y, 100);
        Assert.False(gate.Check(new OrderRequest(1, gate.GetAccountId(TradingFixture.Account), gate.GetStrategyId(TradingFixture.Strategy), y, OrderSide.Buy, 1, 100)).IsAccepted);
        Assert.True(gate.Check(OrderRequest.Cancel(1, gate.GetAccountId(TradingFixture.Account), gate.GetStrategyId(TradingFixture.Strategy), y)).IsAccepted);
        Assert.False(starting.IsCompleted); // the start waits for the rebuild

        store.Release.SetResult();
        await starting.WaitAsync(Deadline);
        await Eventually.WaitUntilAsync(() => gate.GetTradingState(TradingScope.Firm) == TradingState.Active, Deadline, "open once rebuilt and healthy");
        Assert.Null(system.Trading.Journal!.HoldReason);
    }

    [Fact]
    public async Task APostgresJournalWithoutItsStore_FailsTheStart_WithWhatToDo()
    {
        var (listener, port) = TestSystems.Listen();
        using var _ = listener;
        var options = Options(port);
        options.TradingJournal.Store = TradingJournalStoreKind.PostgreSql;
        options.TradingJournal.ConnectionString = "Host=127.0.0.1;Database=bulwark";
        await using var system = SafetySystem.Create(options);
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => system.StartAsync());
        Assert.Contains("PostgreSqlTradingJournalStore", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ADamagedJournalFile_FailsTheStart_NamingTheFile()
    {
        var (listener, port) = TestSystems.Listen();
        using var _ = listener;
        Directory.CreateDirectory(_dir.Path);
        await File.WriteAllTextAsync(_dir.File("trading-journal.db"), "this is not a database, it is a text file that got in the way");
        await using var system = SafetySystem.Create(Options(port));
        var error = await Assert.ThrowsAnyAsync<Exception>(() => system.StartAsync());
        Assert.Contains("trading-journal.db", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ANewLeader_TradesOnTheOldLeadersPositions()
    {
        var (listener, port) = TestSystems.Listen();
        using var _ = listener;
        BulwarkOptions Replica(string name)
        {
            var options = Options(port);
            options.Failover = new FailoverOptions { Replica = name };
            options.Failover.Groups.Add(new FailoverGroupOptions
            {
                Name = "engines", Trading = true, LeaseSeconds = 5, RenewIntervalSeconds = 0.2, RetryIntervalSeconds = 0.05, SafetyMarginSeconds = 1,
            });
            return options;
        }

        await using var a = SafetySystem.Create(Replica("a"));
        var gateA = await StartedAndTradingAsync(a);
        await Eventually.WaitUntilAsync(() => a.Trading!.Journal!.HoldReason is null && gateA.CurrentLeadership.Token > 0, Deadline, "a leads, caught up");
        var bought = Send(a, 1, OrderSide.Buy, 70, 100);
        Assert.True(gateA.OnFill(bought.ClientOrderId, 1, 70, 100));
        var resting = Send(a, 2, OrderSide.Sell, 10, 101);

        await using var b = SafetySystem.Create(Replica("b"));
        await b.StartAsync(); // a follower: its gate stays held (not leader, not caught up)
        var gateB = b.Trading!.Gate;
        await Eventually.WaitUntilAsync(() => b.Manager.SystemState == SafetyState.Healthy, Deadline, "b healthy");
        var accountB = gateB.GetAccountId(TradingFixture.Account);
        var symbolB = gateB.GetSymbolId(TradingFixture.Symbol);
        Assert.Equal(70, gateB.GetPosition(accountB, symbolB).Position); // its start read what a had written

        // What a does after b started reaches b only by the takeover's catch-up.
        Assert.True(gateA.OnFill(resting.ClientOrderId, 2, 4, 101));
        var more = Send(a, 3, OrderSide.Buy, 5, 100);
        Assert.Equal(70, gateB.GetPosition(accountB, symbolB).Position);

        await a.StopAsync(); // resigns, and flushes the journal
        await Eventually.WaitUntilAsync(() => b.Trading!.Journal!.HoldReason is null && gateB.CurrentLeadership.Token > 0, Deadline, "b leads, caught up");
        Assert.Equal(66, gateB.GetPosition(accountB, symbolB).Position);
        Assert.Equal(gateA.GetPosition(gateA.GetAccountId(TradingFixture.Account), gateA.GetSymbolId(TradingFixture.Symbol)), gateB.GetPosition(accountB, symbolB));
        Assert.Equal([resting.ClientOrderId, more.ClientOrderId], gateB.GetWorkingOrders().Order()); // the first was filled in full
        Assert.True(gateB.CurrentLeadership.Token > 0);
    }

    /// <summary>A store whose first read waits until released.</summary>
    private sealed class ReadHeldStore(ITradingJournalStore inner) : ITradingJournalStore
    {
        public TaskCompletionSource Reading { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public ValueTask<JournalAppendResult> AppendAsync(IReadOnlyList<JournalRecord> records, CancellationToken cancellationToken = default) =>
            inner.AppendAsync(records, cancellationToken);

        public async ValueTask<IReadOnlyList<JournalRecord>> ReadAsync(long afterSequence, int limit, CancellationToken cancellationToken = default)
        {
            Reading.TrySetResult();
            await Release.Task.WaitAsync(Deadline, cancellationToken);
            return await inner.ReadAsync(afterSequence, limit, cancellationToken);
        }

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
