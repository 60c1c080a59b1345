using Bulwark.Storage;
using Bulwark.Tests.TestSupport;
using Bulwark.Trading;

namespace Bulwark.Tests.Trading;

public sealed class KillSwitchAndBridgeTests
{
    public static TheoryData<ScopeLevel> Levels => new() { ScopeLevel.Firm, ScopeLevel.Account, ScopeLevel.Strategy, ScopeLevel.Symbol };

    [Theory]
    [MemberData(nameof(Levels))]
    public async Task KillSwitch_RejectsNewOrdersInScope_CancelsPass_UntilReleased(ScopeLevel level)
    {
        var f = new TradingFixture();
        var store = new InMemoryEventStore();
        var killSwitch = new KillSwitch(f.Gate, store);
        var working = f.Buy(1);
        Assert.True(f.Check(working).IsAccepted);
        var outside = f.Buy(10, 100.05, account: f.A2, strategy: f.S2, symbol: f.Y2);
        Assert.True(f.Check(outside).IsAccepted);
        CancelAllRequestedEventArgs? request = null;
        killSwitch.CancelAllRequested += (_, e) => request = e;
        var scope = ScopeOf(level);

        await killSwitch.EngageAsync(scope, "alice", "runaway algo");

        Assert.True(killSwitch.IsEngaged(scope));
        Assert.Equal(RiskRejectReason.KillSwitchEngaged, f.Check(f.Buy(1)).Reason);
        Assert.True(f.Gate.Check(OrderRequest.Cancel(working.ClientOrderId, f.A, f.S, f.Y)).IsAccepted);
        Assert.Equal(level == ScopeLevel.Firm ? RiskRejectReason.KillSwitchEngaged : RiskRejectReason.None,
            f.Check(f.Buy(10, 100.05, account: f.A2, strategy: f.S2, symbol: f.Y2)).Reason);

        Assert.NotNull(request);
        Assert.Contains(working.ClientOrderId, request.ClientOrderIds);
        Assert.Equal(level == ScopeLevel.Firm, request.ClientOrderIds.Contains(outside.ClientOrderId));
        var engaged = Assert.Single(store.Events, e => e.Kind == TradingEventKinds.KillSwitchEngaged);
        Assert.Equal(("alice", "runaway algo", scope.ToString()), (engaged.Actor, engaged.Cause, engaged.Subject));
        Assert.Single(store.Events, e => e.Kind == TradingEventKinds.CancelAllRequested);

        // Latched: a trading-state change or time does not release it.
        f.Gate.SetTradingState(scope, TradingState.Active, "bob", "try to resume");
        f.Time.Advance(TimeSpan.FromDays(2));
        f.Gate.UpdateReferencePrice(f.Y, 100);
        Assert.Equal(RiskRejectReason.KillSwitchEngaged, f.Check(f.Buy(1)).Reason);

        await killSwitch.ReleaseAsync(scope, "carol", "algo fixed");
        Assert.True(f.Check(f.Buy(1)).IsAccepted);
        var released = Assert.Single(store.Events, e => e.Kind == TradingEventKinds.KillSwitchReleased);
        Assert.Equal("carol", released.Actor);
    }

    [Fact]
    public async Task KillSwitch_StoreFails_StaysEngaged()
    {
        var f = new TradingFixture();
        var store = new InMemoryEventStore { FailAppendsWith = new IOException("disk full") };
        var killSwitch = new KillSwitch(f.Gate, store);
        await Assert.ThrowsAsync<KillSwitchNotDurableException>(() => killSwitch.EngageAsync(TradingScope.Firm, "alice", "stop"));
        Assert.Equal(RiskRejectReason.KillSwitchEngaged, f.Check(f.Buy(1)).Reason);
        await Assert.ThrowsAsync<KillSwitchNotDurableException>(() => killSwitch.ReleaseAsync(TradingScope.Firm, "alice", "go"));
        Assert.Equal(RiskRejectReason.KillSwitchEngaged, f.Check(f.Buy(1)).Reason);
    }

    [Fact]
    public async Task KillSwitch_SurvivesRestartOnTheSameSqliteStore()
    {
        using var directory = new TempDirectory();
        var path = directory.File("bulwark.db");

        var store = await SqliteEventStore.OpenAsync(path, CancellationToken.None);
        await using (store)
        {
            var first = new TradingFixture();
            await using var bridge = new TradingSafetyBridge(first.Gate, store);
            await bridge.StartAsync();
            await bridge.KillSwitch.EngageAsync(TradingScope.ForAccount(TradingFixture.Account), "alice", "limit breach");
            await bridge.KillSwitch.EngageAsync(TradingScope.ForSymbol(TradingFixture.OtherSymbol), "alice", "bad data");
            await bridge.KillSwitch.ReleaseAsync(TradingScope.ForSymbol(TradingFixture.OtherSymbol), "bob", "data fixed");
        }

        // A new process: new gate, store reopened from the same file.
        var reopened = await SqliteEventStore.OpenAsync(path, CancellationToken.None);
        await using (reopened)
        {
            var second = new TradingFixture();
            await using var bridge = new TradingSafetyBridge(second.Gate, reopened);
            Assert.True(second.Check(second.Buy(1)).IsAccepted); // nothing restored yet
            await bridge.StartAsync();

            Assert.True(bridge.KillSwitch.IsEngaged(TradingScope.ForAccount(TradingFixture.Account)));
            Assert.False(bridge.KillSwitch.IsEngaged(TradingScope.ForSymbol(TradingFixture.OtherSymbol)));
            Assert.Equal(RiskRejectReason.KillSwitchEngaged, second.Check(second.Buy(1)).Reason);
            Assert.True(second.Gate.Check(OrderRequest.Cancel(1, second.A, second.S, second.Y)).IsAccepted);
            Assert.True(second.Check(second.Buy(10, 100.05, account: second.A2, symbol: second.Y2)).IsAccepted);

            await bridge.KillSwitch.ReleaseAsync(TradingScope.ForAccount(TradingFixture.Account), "carol", "reviewed");
            Assert.True(second.Check(second.Buy(1)).IsAccepted);
        }

        var third = await SqliteEventStore.OpenAsync(path, CancellationToken.None);
        await using (third)
        {
            var f = new TradingFixture();
            var killSwitch = new KillSwitch(f.Gate, third);
            Assert.Empty(await killSwitch.RestoreAsync());
            Assert.True(f.Check(f.Buy(1)).IsAccepted);
        }
    }

    [Theory]
    [InlineData(SafetyState.Critical, RiskRejectReason.ReduceOnly)]
    [InlineData(SafetyState.Failed, RiskRejectReason.TradingHalted)]
    [InlineData(SafetyState.Degraded, RiskRejectReason.None)]
    public void SystemState_DrivesTradingByPolicy(SafetyState to, RiskRejectReason expected)
    {
        var f = new TradingFixture();
        var bridge = new TradingSafetyBridge(f.Gate, new InMemoryEventStore());
        bridge.OnSystemStateChanged(SafetyState.Healthy, to);
        Assert.Equal(expected, f.Check(f.Buy(1)).Reason);
    }

    [Theory]
    [InlineData(SafetyState.Healthy, RiskRejectReason.None)]
    [InlineData(SafetyState.Degraded, RiskRejectReason.None)]
    [InlineData(SafetyState.Recovering, RiskRejectReason.TradingHalted)]
    [InlineData(SafetyState.Critical, RiskRejectReason.ReduceOnly)]
    [InlineData(SafetyState.Failed, RiskRejectReason.TradingHalted)]
    public void UntilTheSystemStateIsFirstKnown_TradingIsHeld(SafetyState first, RiskRejectReason expected)
    {
        var f = new TradingFixture();
        var bridge = new TradingSafetyBridge(f.Gate, new InMemoryEventStore());
        bridge.HoldUntilFirstEvidence();
        Assert.Equal(RiskRejectReason.TradingHalted, f.Check(f.Buy(1)).Reason);
        Assert.True(f.Gate.Check(new OrderRequest(999, f.A, f.S, f.Y, OrderSide.Buy, 1, 100, OrderType.Limit, OrderAction.Cancel)).IsAccepted, "cancels pass");

        bridge.OnSystemStateChanged(SafetyState.Unknown, first);
        Assert.Equal(expected, f.Check(f.Buy(1)).Reason);

        // A failure seen first is a failure: recovery then follows the policy (a person resumes by default).
        bridge.OnSystemStateChanged(first, SafetyState.Healthy);
        var afterRecovery = first is SafetyState.Critical or SafetyState.Failed ? RiskRejectReason.TradingHalted : RiskRejectReason.None;
        if (first == SafetyState.Critical)
        {
            afterRecovery = RiskRejectReason.ReduceOnly;
        }

        Assert.Equal(afterRecovery, f.Check(f.Buy(1)).Reason);
    }

    [Theory]
    [InlineData(false, RiskRejectReason.TradingHalted)]
    [InlineData(true, RiskRejectReason.None)]
    public void SystemRecovery_RestoresTradingOnlyWhenPolicySaysSo(bool restore, RiskRejectReason expected)
    {
        var f = new TradingFixture();
        var bridge = new TradingSafetyBridge(f.Gate, new InMemoryEventStore(), new TradingSafetyBridgeOptions { RestoreOnRecovery = restore });
        bridge.OnSystemStateChanged(SafetyState.Healthy, SafetyState.Failed);
        bridge.OnSystemStateChanged(SafetyState.Failed, SafetyState.Recovering);
        Assert.Equal(RiskRejectReason.TradingHalted, f.Check(f.Buy(1)).Reason);
        bridge.OnSystemStateChanged(SafetyState.Recovering, SafetyState.Healthy);
        Assert.Equal(expected, f.Check(f.Buy(1)).Reason);
        bridge.ResumeAfterSystemRecovery("alice", "checked");
        Assert.True(f.Check(f.Buy(1)).IsAccepted);
    }

    [Fact]
    public void SafetyManagerTransitionEvents_DriveTrading()
    {
        var f = new TradingFixture();
        var bridge = new TradingSafetyBridge(f.Gate, new InMemoryEventStore());
        bridge.OnSafetyEvent(new SafetyEvent { Time = f.Time.GetUtcNow(), Kind = EventKinds.ComponentState, Subject = "db", From = "Healthy", To = "Failed" });
        Assert.True(f.Check(f.Buy(1)).IsAccepted);
        bridge.OnSafetyEvent(new SafetyEvent { Time = f.Time.GetUtcNow(), Kind = EventKinds.SystemState, Subject = "system", From = "Healthy", To = "Failed" });
        Assert.Equal(RiskRejectReason.TradingHalted, f.Check(f.Buy(1)).Reason);
    }

    [Fact]
    public async Task Rejections_AggregatedByReason_OneEventPerFlush()
    {
        var f = new TradingFixture(o => o.Firm.MaximumOrderQuantity = 10);
        var store = new InMemoryEventStore();
        var bridge = new TradingSafetyBridge(f.Gate, store);
        for (var i = 0; i < 1000; i++)
        {
            Assert.False(f.Check(f.Buy(11)).IsAccepted);
        }

        Assert.Equal(RiskRejectReason.InvalidQuantity, f.Check(f.Buy(0)).Reason);
        Assert.Empty(store.Events);
        await bridge.FlushAsync();
        var summary = Assert.Single(store.Events, e => e.Kind == TradingEventKinds.Rejections);
        Assert.Contains("\"MaximumOrderQuantity\":1000", summary.Evidence, StringComparison.Ordinal);
        Assert.Contains("\"InvalidQuantity\":1", summary.Evidence, StringComparison.Ordinal);
        await bridge.FlushAsync();
        Assert.Single(store.Events, e => e.Kind == TradingEventKinds.Rejections);
    }

    [Fact]
    public async Task Bridge_Loop_EvaluatesAndFlushesOnItsOwnClock()
    {
        var f = new TradingFixture(o => o.Firm.MaximumDailyLoss = 100);
        var store = new InMemoryEventStore();
        await using var bridge = new TradingSafetyBridge(f.Gate, store, new TradingSafetyBridgeOptions
        {
            EvaluationInterval = TimeSpan.FromSeconds(1),
            FlushInterval = TimeSpan.FromSeconds(1),
        });
        await bridge.StartAsync();
        f.Position(10, 100);
        f.Gate.UpdateReferencePrice(f.Y, 80); // 200 loss

        await Eventually.WaitUntilAsync(() =>
        {
            f.Time.Advance(TimeSpan.FromSeconds(1));
            return store.Events.Any(e => e.Kind == TradingEventKinds.LossLimit);
        }, TimeSpan.FromSeconds(10), "loss-limit event flushed");
        Assert.Equal(TradingState.Reducing, f.Gate.GetTradingState(TradingScope.ForAccount(TradingFixture.Account)));
    }

    private static TradingScope ScopeOf(ScopeLevel level) => level switch
    {
        ScopeLevel.Firm => TradingScope.Firm,
        ScopeLevel.Account => TradingScope.ForAccount(TradingFixture.Account),
        ScopeLevel.Strategy => TradingScope.ForStrategy(TradingFixture.Strategy),
        _ => TradingScope.ForSymbol(TradingFixture.Symbol),
    };
}
