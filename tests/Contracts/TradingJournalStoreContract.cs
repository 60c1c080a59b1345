using Bulwark.Trading;
using Bulwark.Trading.Journal;

namespace Bulwark.Tests.Contracts;

/// <summary>
/// What every <see cref="ITradingJournalStore"/> must do, run against each implementation (SQLite, PostgreSQL): rows
/// kept in commit order with every field, the fence in the store itself (a row of a term older than the newest is
/// refused and reported, also inside a mixed batch and between two writers racing), persistence, and a store that
/// stops answering holds the gate (new orders rejected with <see cref="RiskRejectReason.JournalNotCurrent"/>, cancels
/// pass) until it answers again.
/// </summary>
public abstract class TradingJournalStoreContract : IAsyncLifetime
{
    protected static readonly DateTimeOffset T0 = new(2026, 11, 25, 9, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    /// <summary>A store on this test's backing store (a second call: another process on the same store, or a restart).</summary>
    protected abstract Task<ITradingJournalStore> OpenAsync();

    /// <summary>Makes every store of this test fail to read and write (the server cut off, the file damaged).</summary>
    protected abstract Task BreakAsync();

    /// <summary>Undoes <see cref="BreakAsync"/>.</summary>
    protected abstract Task HealAsync();

    /// <summary>Appends per writer in the race (bounded; each takes a round trip on a server backend).</summary>
    protected virtual int RaceAppends => 200;

    public virtual Task InitializeAsync() => Task.CompletedTask;

    public virtual Task DisposeAsync() => Task.CompletedTask;

    protected static JournalRecord Row(long token, string writer, long orderId, JournalRecordKind kind = JournalRecordKind.Ack) =>
        new() { Token = token, Writer = writer, Kind = kind, Time = T0, OrderId = orderId };

    [Fact]
    public async Task Append_KeepsEveryFieldInCommitOrder_AndReadPagesBySequence()
    {
        await using var store = await OpenAsync();
        var full = new JournalRecord
        {
            Token = 3,
            Writer = "w1",
            Kind = JournalRecordKind.Fill,
            Time = T0.AddTicks(12_345),
            OrderId = 42,
            ExecutionId = 7,
            Account = "A1",
            Strategy = "S1",
            Symbol = "XYZ",
            Side = OrderSide.Sell,
            Quantity = -250,
            Price = 99.125,
            Scope = "account:A1",
            Source = "loss_limit",
            State = 5,
            Actor = "alice",
            Cause = "a fill, with 'quotes' and ünïcode",
        };
        var first = await store.AppendAsync([full, Row(3, "w1", 43)]);
        Assert.Equal(2, first.Written);
        Assert.Empty(first.Refused);
        Assert.Equal(3, first.HighestToken);
        var second = await store.AppendAsync([Row(3, "w1", 44), Row(4, "w2", 45), Row(4, "w2", 46)]);
        Assert.Equal(3, second.Written);
        Assert.True(second.LastSequence > first.LastSequence);
        Assert.Equal(0, (await store.AppendAsync([])).Written);

        var rows = await store.ReadAsync(0, 100);
        Assert.Equal([42L, 43, 44, 45, 46], rows.Select(r => r.OrderId));
        Assert.Equal(rows.Select(r => r.Sequence).Order(), rows.Select(r => r.Sequence));
        Assert.Equal(rows.Count, rows.Select(r => r.Sequence).Distinct().Count());
        Assert.Equal(full with { Sequence = rows[0].Sequence }, rows[0]);
        Assert.Equal(TimeSpan.Zero, rows[0].Time.Offset);
        Assert.Null(rows[1].Account);
        Assert.Equal(second.LastSequence, rows[^1].Sequence);

        var page = await store.ReadAsync(rows[1].Sequence, 2);
        Assert.Equal([44L, 45], page.Select(r => r.OrderId));
        Assert.Empty(await store.ReadAsync(rows[^1].Sequence, 10));
    }

    [Fact]
    public async Task ARowOfAnOlderTerm_IsRefusedByTheStore_AcrossConnections_AndInsideAMixedBatch()
    {
        await using var a = await OpenAsync();
        await using var b = await OpenAsync();
        Assert.Equal(2, (await a.AppendAsync([Row(5, "a", 1), Row(5, "a", 2)])).Written);
        var newer = await b.AppendAsync([Row(6, "b", 3)]);
        Assert.Empty(newer.Refused);
        Assert.Equal(6, newer.HighestToken);

        // Wholly stale: nothing written, every position reported.
        var stale = await a.AppendAsync([Row(5, "a", 4), Row(1, "a", 5)]);
        Assert.Equal(0, stale.Written);
        Assert.Equal([0, 1], stale.Refused);
        Assert.Equal(6, stale.HighestToken);
        Assert.Equal(0, stale.LastSequence);

        // Mixed: a newer row in the batch moves the fence for the rows after it; an equal token passes.
        var mixed = await a.AppendAsync([Row(5, "a", 6), Row(6, "a", 7), Row(8, "a", 8), Row(7, "a", 9), Row(8, "a", 10), Row(0, "a", 11)]);
        Assert.Equal([0, 3, 5], mixed.Refused);
        Assert.Equal(3, mixed.Written);
        Assert.Equal(8, mixed.HighestToken);

        var late = await b.AppendAsync([Row(6, "b", 12)]);
        Assert.Equal([0], late.Refused);

        var rows = await b.ReadAsync(0, 100);
        Assert.Equal([1L, 2, 3, 7, 8, 10], rows.Select(r => r.OrderId));
        Assert.Equal([5L, 5, 6, 6, 8, 8], rows.Select(r => r.Token));
        Assert.Equal(mixed.LastSequence, rows[^1].Sequence);
    }

    [Fact]
    public async Task TwoWritersOfTwoTermsRacing_NoRowOfTheOlderTermIsWrittenAfterTheFirstRowOfTheNewer()
    {
        for (var round = 0; round < 3; round++)
        {
            var oldTerm = 10L * (round + 1);
            var newTerm = oldTerm + 1;
            await using var a = await OpenAsync();
            await using var b = await OpenAsync();
            var start = (await a.ReadAsync(0, int.MaxValue)).LastOrDefault()?.Sequence ?? 0;
            var oldWritten = 0;
            var oldRefused = 0;
            var refusedAt = -1;
            var newStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var deadline = TimeProvider.System.GetTimestamp() + (long)(Wait.TotalSeconds * TimeProvider.System.TimestampFrequency);

            // The deposed writer keeps appending (1 to 3 rows a batch) until it has been refused a while; the new one starts
            // once the old one has written, and writes its term concurrently.
            var old = Task.Run(async () =>
            {
                for (var i = 0; i < RaceAppends * 5 && TimeProvider.System.GetTimestamp() < deadline; i++)
                {
                    var batch = Enumerable.Range(0, 1 + (i % 3)).Select(k => Row(oldTerm, "old", (i * 10) + k)).ToArray();
                    var result = await a.AppendAsync(batch);
                    oldWritten += result.Written;
                    oldRefused += result.Refused.Count;
                    Assert.Equal(batch.Length, result.Written + result.Refused.Count);
                    if (result.Written > 0)
                    {
                        newStarted.TrySetResult();
                    }

                    if (result.Refused.Count > 0 && refusedAt < 0)
                    {
                        refusedAt = i;
                        Assert.True(result.HighestToken >= newTerm);
                    }

                    if (refusedAt >= 0 && i > refusedAt + 20)
                    {
                        return;
                    }

                    // A writer with a rate, not a tight loop: an embedded file lock has no fair queue, and a writer
                    // that re-takes it at once can starve the other process's busy-wait.
                    await Task.Delay(1);
                }
            });
            var @new = Task.Run(async () =>
            {
                await newStarted.Task.WaitAsync(Wait);
                for (var i = 0; i < RaceAppends; i++)
                {
                    var result = await b.AppendAsync([Row(newTerm, "new", i), Row(newTerm, "new", i + 100_000)]);
                    Assert.Empty(result.Refused);
                }
            });
            await Task.WhenAll(old, @new).WaitAsync(Wait * 2);

            var rows = (await b.ReadAsync(start, int.MaxValue)).ToList();
            var firstNew = rows.FindIndex(r => r.Token == newTerm);
            Assert.True(firstNew >= 0, "the new term wrote");
            Assert.True(refusedAt >= 0, "the old term was refused once the new one wrote");
            Assert.DoesNotContain(rows.Skip(firstNew), r => r.Token == oldTerm);
            Assert.Equal(oldWritten, rows.Count(r => r.Token == oldTerm));
            Assert.Equal(RaceAppends * 2, rows.Count(r => r.Token == newTerm));
            Assert.True(oldRefused > 0);
            Assert.Equal(rows.Select(r => r.Sequence).Order(), rows.Select(r => r.Sequence));
        }
    }

    [Fact]
    public async Task RowsAndTheFence_SurviveClosingAndReopening()
    {
        await using (var store = await OpenAsync())
        {
            await store.AppendAsync([Row(4, "a", 1), Row(9, "b", 2)]);
        }

        await using (var reopened = await OpenAsync())
        {
            var rows = await reopened.ReadAsync(0, 10);
            Assert.Equal([1L, 2], rows.Select(r => r.OrderId));
            var stale = await reopened.AppendAsync([Row(8, "a", 3), Row(9, "b", 4)]);
            Assert.Equal([0], stale.Refused);
            Assert.Equal(9, stale.HighestToken);
            Assert.True(stale.LastSequence > rows[^1].Sequence);
        }
    }

    [Fact]
    public async Task AStoreThatStopsAnswering_HoldsTheGateWithJournalNotCurrent_CancelsPass_AndNoRowIsLost()
    {
        var (gate, account, strategy, symbol) = NewGate();
        await using var store = await OpenAsync();
        await using var journal = await TradingJournal.StartAsync(gate, store, new TradingJournalOptions { RetryInterval = TimeSpan.FromMilliseconds(50) });
        var first = Accept(gate, journal, new OrderRequest(1, account, strategy, symbol, OrderSide.Buy, 10, 100));
        await journal.FlushAsync();

        await BreakAsync();
        var second = Accept(gate, journal, new OrderRequest(2, account, strategy, symbol, OrderSide.Buy, 5, 100));
        gate.OnFill(first.ClientOrderId, 1, 10, 100);
        await Eventually.WaitUntilAsync(() => journal.HoldReason?.Contains("journal store failing", StringComparison.Ordinal) == true, Wait, "held for the store");
        gate.UpdateReferencePrice(symbol, 100);
        Assert.Equal(RiskRejectReason.JournalNotCurrent, gate.Check(new OrderRequest(3, account, strategy, symbol, OrderSide.Buy, 1, 100)).Reason);
        Assert.True(gate.Check(OrderRequest.Cancel(second.ClientOrderId, account, strategy, symbol)).IsAccepted);

        await HealAsync();
        await Eventually.WaitUntilAsync(() => journal.HoldReason is null, Wait, "released once the store writes again");
        await journal.FlushAsync();
        var rows = await store.ReadAsync(0, 100);
        Assert.Contains(rows, r => r.Kind == JournalRecordKind.Accepted && r.OrderId == second.ClientOrderId);
        Assert.Contains(rows, r => r.Kind == JournalRecordKind.Fill && r.OrderId == first.ClientOrderId && r.Quantity == 10);
        gate.UpdateReferencePrice(symbol, 100);
        Assert.True(gate.Check(new OrderRequest(4, account, strategy, symbol, OrderSide.Buy, 1, 100)).IsAccepted);
    }

    [Fact]
    public async Task AJournalStartingOnAStoreThatCannotBeRead_ThrowsAndLeavesTheGateHeld_CancelsPass()
    {
        await using var store = await OpenAsync();
        await store.AppendAsync([Row(0, "earlier", 1)]);
        var (gate, account, strategy, symbol) = NewGate();
        await BreakAsync();
        try
        {
            await Assert.ThrowsAnyAsync<Exception>(async () => await TradingJournal.StartAsync(gate, store));
            gate.UpdateReferencePrice(symbol, 100);
            var held = gate.Check(new OrderRequest(1, account, strategy, symbol, OrderSide.Buy, 1, 100));
            Assert.Equal(RiskRejectReason.JournalNotCurrent, held.Reason);
            Assert.True(gate.Check(OrderRequest.Cancel(1, account, strategy, symbol)).IsAccepted);
        }
        finally
        {
            await HealAsync();
        }
    }

    private static OrderRequest Accept(RiskGate gate, TradingJournal journal, OrderRequest order)
    {
        gate.UpdateReferencePrice(order.Symbol, 100);
        var decision = gate.Check(order);
        Assert.True(decision.IsAccepted, decision.ToString());
        Assert.True(journal.RecordAccepted(order, decision));
        return order;
    }

    private static (RiskGate Gate, int Account, int Strategy, int Symbol) NewGate()
    {
        var options = new RiskGateOptions { EnabledChecks = RiskChecks.None, OrderCapacity = 1 << 10 };
        options.Accounts.Add("A1");
        options.Strategies.Add("S1");
        options.Instruments["XYZ"] = new InstrumentOptions { TickSize = 0.01, LotSize = 1, Multiplier = 1 };
        var gate = new RiskGate(options, TimeProvider.System);
        return (gate, gate.GetAccountId("A1"), gate.GetStrategyId("S1"), gate.GetSymbolId("XYZ"));
    }
}
