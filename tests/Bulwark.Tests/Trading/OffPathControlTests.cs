using Bulwark.Tests.TestSupport;
using Bulwark.Trading;

namespace Bulwark.Tests.Trading;

/// <summary>Loss limits, circuit breakers, session reset and runtime changes: everything evaluated off the order path.</summary>
public sealed class OffPathControlTests
{
    [Theory]
    [InlineData(99.0, RiskRejectReason.None)]
    [InlineData(100.0, RiskRejectReason.None)]
    [InlineData(100.5, RiskRejectReason.ReduceOnly)]
    public void DailyLoss_PerAccount_MovesToPolicyState(double loss, RiskRejectReason expected)
    {
        var f = new TradingFixture(o => { o.AccountLimits[TradingFixture.Account] = new RiskLimits { MaximumDailyLoss = 100 }; o.LossLimitState = TradingState.Reducing; });
        f.Position(10, 100);
        f.Gate.UpdateReferencePrice(f.Y, 100 - (loss / 10));
        f.Gate.Evaluate();
        Assert.Equal(expected, f.Check(f.Buy(1, 100 - (loss / 10))).Reason);
        Assert.True(f.Check(f.Buy(1, 100 - (loss / 10), account: f.A2)).IsAccepted); // other account untouched
    }

    [Theory]
    [InlineData(199.0, RiskRejectReason.None)]
    [InlineData(200.0, RiskRejectReason.None)]
    [InlineData(201.0, RiskRejectReason.TradingHalted)]
    public void Drawdown_FromIntradayPeak_HaltsByPolicy(double fall, RiskRejectReason expected)
    {
        var f = new TradingFixture(o => { o.Firm.MaximumDrawdown = 200; o.LossLimitState = TradingState.Halted; });
        f.Position(10, 100);
        f.Gate.UpdateReferencePrice(f.Y, 150); // +500: new peak
        f.Gate.Evaluate();
        Assert.True(f.Check(f.Buy(1, 150)).IsAccepted);
        var price = 150 - (fall / 10);
        f.Gate.UpdateReferencePrice(f.Y, price);
        f.Gate.Evaluate();
        Assert.Equal(expected, f.Check(f.Buy(1, Math.Round(price, 2))).Reason);
    }

    [Fact]
    public void FirmDailyLoss_SumsAccounts_AndResetsAtSessionStart()
    {
        var f = new TradingFixture(o => { o.Firm.MaximumDailyLoss = 150; o.SessionStart = TimeSpan.FromHours(8); });
        f.Position(10, 100);
        f.Position(10, 100, account: f.A2);
        f.Gate.UpdateReferencePrice(f.Y, 92); // 80 + 80 = 160 > 150, each account 80 <= 150
        f.Gate.Evaluate();
        Assert.Equal(TradingState.Reducing, f.Gate.GetTradingState(TradingScope.Firm));
        Assert.Equal(TradingState.Active, f.Gate.GetTradingState(TradingScope.ForAccount(TradingFixture.Account)));

        f.Time.Advance(TimeSpan.FromHours(22)); // 07:00 next day: same session
        f.Gate.UpdateReferencePrice(f.Y, 92);
        f.Gate.Evaluate();
        Assert.Equal(TradingState.Reducing, f.Gate.GetTradingState(TradingScope.Firm));
        f.Time.Advance(TimeSpan.FromHours(1)); // 08:00: new session
        f.Gate.UpdateReferencePrice(f.Y, 92);  // a fresh mark (a stale one holds the firm until the feed is back)
        f.Gate.Evaluate();
        Assert.Equal(TradingState.Active, f.Gate.GetTradingState(TradingScope.Firm));
        Assert.Equal(0, f.Gate.DailyPnl(f.A), 9);
    }

    [Theory]
    [InlineData(4, CircuitBreakerState.Closed)]
    [InlineData(5, CircuitBreakerState.Open)]
    public void CircuitBreaker_ConsecutiveVenueErrors(int errors, CircuitBreakerState expected)
    {
        var f = new TradingFixture(o => { o.CircuitBreaker.ConsecutiveVenueErrors = 5; o.CircuitBreaker.MinimumThroughput = 1000; });
        for (var i = 0; i < errors; i++)
        {
            var order = f.Buy(1 + i);
            Assert.True(f.Check(order).IsAccepted);
            f.Gate.OnReject(order.ClientOrderId, venueError: true);
        }

        Assert.Equal(expected, f.Gate.Breaker.State);
        Assert.Equal(expected == CircuitBreakerState.Open ? RiskRejectReason.TradingHalted : RiskRejectReason.None, f.Check(f.Buy(1)).Reason);
    }

    [Fact]
    public void CircuitBreaker_AckResetsConsecutiveErrors()
    {
        var f = new TradingFixture(o => { o.CircuitBreaker.ConsecutiveVenueErrors = 3; o.CircuitBreaker.MinimumThroughput = 1000; });
        for (var i = 0; i < 6; i++)
        {
            var order = f.Buy(1 + i);
            Assert.True(f.Check(order).IsAccepted);
            if (i % 2 == 0)
            {
                f.Gate.OnAck(order.ClientOrderId);
            }
            else
            {
                f.Gate.OnReject(order.ClientOrderId, venueError: true);
            }
        }

        Assert.Equal(CircuitBreakerState.Closed, f.Gate.Breaker.State);
    }

    [Theory]
    [InlineData(9, CircuitBreakerState.Closed)]
    [InlineData(10, CircuitBreakerState.Open)]
    public void CircuitBreaker_RejectRate(int rejects, CircuitBreakerState expected)
    {
        // 20 reports, threshold 0.5: 10 rejects of 20 opens, 9 does not.
        var f = new TradingFixture(o => { o.CircuitBreaker.RejectRateThreshold = 0.5; o.CircuitBreaker.MinimumThroughput = 20; o.CircuitBreaker.ConsecutiveVenueErrors = 1000; });
        for (var i = 0; i < 20; i++)
        {
            var order = f.Buy(1 + i);
            Assert.True(f.Check(order).IsAccepted);
            if (i < 20 - rejects)
            {
                f.Gate.OnAck(order.ClientOrderId);
            }
            else
            {
                f.Gate.OnReject(order.ClientOrderId);
            }
        }

        f.Gate.Evaluate();
        Assert.Equal(expected, f.Gate.Breaker.State);
    }

    [Theory]
    [InlineData(99.0, CircuitBreakerState.Closed)]
    [InlineData(100.0, CircuitBreakerState.Closed)]
    [InlineData(101.0, CircuitBreakerState.Open)]
    public void CircuitBreaker_LossVelocity(double loss, CircuitBreakerState expected)
    {
        var f = new TradingFixture(o => { o.CircuitBreaker.LossVelocity = 100; o.CircuitBreaker.SamplingWindow = TimeSpan.FromSeconds(10); });
        f.Position(10, 100);
        f.Gate.Evaluate();
        f.Time.Advance(TimeSpan.FromSeconds(5));
        f.Gate.UpdateReferencePrice(f.Y, 100 - (loss / 10));
        f.Gate.Evaluate();
        Assert.Equal(expected, f.Gate.Breaker.State);
    }

    [Fact]
    public async Task CircuitBreaker_OpenHalfOpenClosed_EveryTransitionAnEvent()
    {
        var f = new TradingFixture(o =>
        {
            o.CircuitBreaker.ConsecutiveVenueErrors = 2;
            o.CircuitBreaker.BreakDuration = TimeSpan.FromSeconds(30);
            o.CircuitBreaker.HalfOpenAcksToClose = 2;
            o.CircuitBreaker.OpenState = TradingState.Reducing;
        });
        var store = new InMemoryEventStore();
        var bridge = new TradingSafetyBridge(f.Gate, store);
        for (var i = 0; i < 2; i++)
        {
            var order = f.Buy(1 + i);
            Assert.True(f.Check(order).IsAccepted);
            f.Gate.OnReject(order.ClientOrderId, venueError: true);
        }

        Assert.Equal(RiskRejectReason.ReduceOnly, f.Check(f.Buy(1)).Reason);
        f.Time.Advance(TimeSpan.FromSeconds(29));
        f.Gate.Evaluate();
        Assert.Equal(CircuitBreakerState.Open, f.Gate.Breaker.State);
        f.Time.Advance(TimeSpan.FromSeconds(1));
        f.Gate.Evaluate();
        Assert.Equal(CircuitBreakerState.HalfOpen, f.Gate.Breaker.State);
        f.Gate.UpdateReferencePrice(f.Y, 100);

        // Half-open: one venue error reopens.
        var probe = f.Buy(3);
        Assert.True(f.Check(probe).IsAccepted);
        f.Gate.OnReject(probe.ClientOrderId, venueError: true);
        Assert.Equal(CircuitBreakerState.Open, f.Gate.Breaker.State);
        f.Time.Advance(TimeSpan.FromSeconds(30));
        f.Gate.Evaluate();
        f.Gate.UpdateReferencePrice(f.Y, 100);
        for (var i = 0; i < 2; i++)
        {
            var order = f.Buy(4 + i);
            Assert.True(f.Check(order).IsAccepted);
            f.Gate.OnAck(order.ClientOrderId);
        }

        Assert.Equal(CircuitBreakerState.Closed, f.Gate.Breaker.State);
        await bridge.FlushAsync();
        var transitions = store.Events.Where(e => e.Kind == TradingEventKinds.CircuitBreaker).Select(e => $"{e.From}->{e.To}").ToArray();
        Assert.Equal(["Closed->Open", "Open->HalfOpen", "HalfOpen->Open", "Open->HalfOpen", "HalfOpen->Closed"], transitions);
    }

    [Fact]
    public async Task RuntimeChange_AppliedAtomically_AndAudited()
    {
        var f = new TradingFixture(o => o.Firm.MaximumOrderQuantity = 100);
        var store = new InMemoryEventStore();
        var bridge = new TradingSafetyBridge(f.Gate, store);
        var change = f.Gate.GetOptions();
        change.Firm.MaximumOrderQuantity = 10;
        change.RestrictedSymbols.Add(TradingFixture.OtherSymbol);
        Assert.Empty(f.Gate.ApplyLimits(change, "alice", "tighten for the open"));
        Assert.Equal(RiskRejectReason.MaximumOrderQuantity, f.Check(f.Buy(11)).Reason);
        Assert.True(f.Check(f.Buy(10)).IsAccepted);
        Assert.Equal(RiskRejectReason.RestrictedSymbol, f.Check(f.Buy(10, 100.05, symbol: f.Y2)).Reason);
        await bridge.FlushAsync();
        var audit = Assert.Single(store.Events, e => e.Kind == TradingEventKinds.LimitsChanged);
        Assert.Equal(("alice", "tighten for the open"), (audit.Actor, audit.Cause));
    }

    [Fact]
    public async Task RuntimeChange_Invalid_RefusedWhole_WithEveryError()
    {
        var f = new TradingFixture(o => o.Firm.MaximumOrderQuantity = 100);
        var store = new InMemoryEventStore();
        var bridge = new TradingSafetyBridge(f.Gate, store);
        var change = f.Gate.GetOptions();
        change.Firm.MaximumOrderQuantity = 5;                // valid on its own
        change.Firm.MaximumOrderNotional = double.NaN;       // invalid
        change.Firm.PriceCollarPercent = 500;                // invalid
        change.RestrictedSymbols.Add("NOPE");                // invalid
        var errors = f.Gate.ApplyLimits(change, "alice", "typo");
        Assert.Equal(3, errors.Count);
        Assert.Contains(errors, e => e.Path == "trading.firm.maximumOrderNotional");
        Assert.Contains(errors, e => e.Path == "trading.firm.priceCollarPercent");
        Assert.Contains(errors, e => e.Path == "trading.restrictedSymbols");
        Assert.True(f.Check(f.Buy(100)).IsAccepted); // old limits still in force
        await bridge.FlushAsync();
        Assert.Single(store.Events, e => e.Kind == TradingEventKinds.LimitsChangeRefused);

        var universe = f.Gate.GetOptions();
        universe.Accounts.Add("A3");
        Assert.NotEmpty(f.Gate.ApplyLimits(universe, "alice", "new account"));
    }

    [Fact]
    public async Task RuntimeChange_WhileCheckingOnOtherThreads_NeverWithoutALimit()
    {
        var f = new TradingFixture(o => o.Firm.MaximumOrderQuantity = 100);
        var tight = f.Gate.GetOptions();
        tight.Firm.MaximumOrderQuantity = 50;
        var loose = f.Gate.GetOptions();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        var violations = 0;
        var checks = 0;
        var checker = Task.Run(() =>
        {
            long id = 1_000_000;
            for (var i = 0; i < 200_000 && !stop.IsCancellationRequested; i++)
            {
                var order = new OrderRequest(id++, f.A, f.S, f.Y, OrderSide.Buy, 101, 100);
                var decision = f.Gate.Check(in order);
                if (decision.Reason != RiskRejectReason.MaximumOrderQuantity)
                {
                    Interlocked.Increment(ref violations);
                }

                checks++;
            }
        });
        for (var i = 0; i < 200 && !checker.IsCompleted; i++)
        {
            Assert.Empty(f.Gate.ApplyLimits(i % 2 == 0 ? tight : loose, "alice", "flip"));
        }

        await checker.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(checks > 0);
        Assert.Equal(0, violations);
    }
}
