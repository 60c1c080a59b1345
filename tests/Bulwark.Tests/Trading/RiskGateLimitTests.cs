using Bulwark.Trading;

namespace Bulwark.Tests.Trading;

/// <summary>One table per limit: below, at and above (at the limit is accepted).</summary>
public sealed class RiskGateLimitTests
{
    [Theory]
    [InlineData(99, RiskRejectReason.None)]
    [InlineData(100, RiskRejectReason.None)]
    [InlineData(101, RiskRejectReason.MaximumOrderQuantity)]
    public void MaximumOrderQuantity_BelowAtAbove(long quantity, RiskRejectReason expected)
    {
        var f = new TradingFixture(o => o.Firm.MaximumOrderQuantity = 100);
        var decision = f.Check(f.Buy(quantity));
        Assert.Equal(expected, decision.Reason);
        if (!decision.IsAccepted)
        {
            Assert.Equal(100, decision.Limit);
            Assert.Equal(quantity, decision.Value);
        }
    }

    [Theory]
    [InlineData(99, RiskRejectReason.None)]
    [InlineData(100, RiskRejectReason.None)]
    [InlineData(101, RiskRejectReason.MaximumOrderNotional)]
    public void MaximumOrderNotional_BelowAtAbove(long quantity, RiskRejectReason expected)
    {
        var f = new TradingFixture(o => o.Firm.MaximumOrderNotional = 10_000);
        var decision = f.Check(f.Buy(quantity, 100));
        Assert.Equal(expected, decision.Reason);
        if (!decision.IsAccepted)
        {
            Assert.Equal(10_000, decision.Limit);
            Assert.Equal(quantity * 100.0, decision.Value);
        }
    }

    [Theory]
    [InlineData(104.99, RiskRejectReason.None)]
    [InlineData(105.00, RiskRejectReason.None)]
    [InlineData(105.01, RiskRejectReason.PriceCollar)]
    [InlineData(95.01, RiskRejectReason.None)]
    [InlineData(95.00, RiskRejectReason.None)]
    [InlineData(94.99, RiskRejectReason.PriceCollar)]
    public void PriceCollarPercent_BelowAtAbove(double price, RiskRejectReason expected)
    {
        var f = new TradingFixture(o => { o.Firm.PriceCollarPercent = 5; o.Firm.PriceCollarTicks = null; });
        Assert.Equal(expected, f.Check(f.Buy(1, price)).Reason);
    }

    [Theory]
    [InlineData(100.09, RiskRejectReason.None)]
    [InlineData(100.10, RiskRejectReason.None)]
    [InlineData(100.11, RiskRejectReason.PriceCollar)]
    [InlineData(99.90, RiskRejectReason.None)]
    [InlineData(99.89, RiskRejectReason.PriceCollar)]
    public void PriceCollarTicks_BelowAtAbove(double price, RiskRejectReason expected)
    {
        var f = new TradingFixture(o => { o.Firm.PriceCollarPercent = null; o.Firm.PriceCollarTicks = 10; });
        Assert.Equal(expected, f.Check(f.Sell(1, price)).Reason);
    }

    [Fact]
    public void PriceCollar_NoReferencePrice_Rejects()
    {
        var f = new TradingFixture(feedReference: false);
        Assert.Equal(RiskRejectReason.ReferencePriceMissing, f.Check(f.Buy(1)).Reason);
        Assert.Equal(RiskRejectReason.ReferencePriceMissing,
            f.Check(new OrderRequest(f.NextId(), f.A, f.S, f.Y, OrderSide.Buy, 1, double.NaN, OrderType.Market)).Reason);
    }

    [Theory]
    [InlineData(4_999, RiskRejectReason.None)]
    [InlineData(5_000, RiskRejectReason.None)]
    [InlineData(5_001, RiskRejectReason.ReferencePriceStale)]
    public void ReferencePriceAge_BelowAtAbove(int ageMilliseconds, RiskRejectReason expected)
    {
        var f = new TradingFixture(o => o.ReferencePriceMaximumAge = TimeSpan.FromSeconds(5));
        f.Time.Advance(TimeSpan.FromMilliseconds(ageMilliseconds));
        Assert.Equal(expected, f.Check(f.Buy(1)).Reason);
    }

    [Theory]
    [InlineData(59, RiskRejectReason.None)]
    [InlineData(60, RiskRejectReason.None)]
    [InlineData(61, RiskRejectReason.MaximumLongPosition)]
    public void MaximumLongPosition_CountsPositionAndWorkingBuys(long quantity, RiskRejectReason expected)
    {
        var f = new TradingFixture(o => o.Firm.MaximumLongPosition = 100);
        f.Position(30);
        Assert.True(f.Check(f.Buy(10)).IsAccepted); // working, counted as filled
        var decision = f.Check(f.Buy(quantity));
        Assert.Equal(expected, decision.Reason);
        if (!decision.IsAccepted)
        {
            Assert.Equal(100, decision.Limit);
            Assert.Equal(40 + quantity, decision.Value);
        }
    }

    [Theory]
    [InlineData(59, RiskRejectReason.None)]
    [InlineData(60, RiskRejectReason.None)]
    [InlineData(61, RiskRejectReason.MaximumShortPosition)]
    public void MaximumShortPosition_CountsPositionAndWorkingSells(long quantity, RiskRejectReason expected)
    {
        var f = new TradingFixture(o => o.Firm.MaximumShortPosition = 100);
        f.Position(-30);
        Assert.True(f.Check(f.Sell(10)).IsAccepted);
        Assert.Equal(expected, f.Check(f.Sell(quantity)).Reason);
    }

    [Fact]
    public void PositionLimit_CancelReleasesReservation()
    {
        var f = new TradingFixture(o => o.Firm.MaximumLongPosition = 100);
        var big = f.Buy(100);
        Assert.True(f.Check(big).IsAccepted);
        Assert.Equal(RiskRejectReason.MaximumLongPosition, f.Check(f.Buy(1)).Reason);
        Assert.True(f.Gate.OnCancel(big.ClientOrderId));
        Assert.True(f.Check(f.Buy(100)).IsAccepted);
    }

    [Theory]
    [InlineData(49, RiskRejectReason.None)]
    [InlineData(50, RiskRejectReason.None)]
    [InlineData(51, RiskRejectReason.MaximumGrossExposure)]
    public void MaximumGrossExposure_CountsBothSidesAndOtherSymbols(long quantity, RiskRejectReason expected)
    {
        var f = new TradingFixture(o => o.Firm.MaximumGrossExposure = 10_000);
        f.Position(-30, 100); // 3,000 short at cost
        Assert.True(f.Check(f.Buy(20, 100, symbol: f.Y2)).IsAccepted); // 2,000 working in another symbol, adding exposure
        Assert.Equal(expected, f.Check(f.Sell(quantity, 100)).Reason); // 5,000 + q*100 <= 10,000
    }

    [Fact]
    public void AtTheExposureLimits_AnOrderThatCanOnlyReduce_IsAccepted_AndGrossIsTheExactWorstCaseOfEveryFillOrder()
    {
        var f = new TradingFixture(o =>
        {
            o.Firm.MaximumGrossExposure = 10_000;
            o.Firm.MaximumNetExposure = 10_000;
        });
        f.Position(100, 100); // 10,000 long: gross and net exposure at their limits
        Assert.Equal(RiskRejectReason.MaximumGrossExposure, f.Check(f.Buy(1, 100)).Reason);

        // Sells against the long: whatever fills, the position stays within 100 either way, so gross stays 10,000.
        var first = f.Sell(60, 100);
        Assert.True(f.Check(first).IsAccepted);
        var second = f.Sell(140, 100);
        Assert.True(f.Check(second).IsAccepted); // with the first: short 100 at worst, still 10,000
        Assert.Equal(RiskRejectReason.MaximumGrossExposure, f.Check(f.Sell(1, 100)).Reason); // short 101 at worst

        // Cancelling the first: 140 sells against the long of 100, worst case 100 long or 40 short.
        Assert.True(f.Gate.OnCancel(first.ClientOrderId));
        Assert.Equal(RiskRejectReason.MaximumGrossExposure, f.Check(f.Buy(1, 100)).Reason); // 101 long if nothing sells

        // 100 of the sells fill: flat, 40 still working; room for 100 of buys (100 long) but not more.
        Assert.True(f.Gate.OnFill(second.ClientOrderId, 77, 100, 100));
        Assert.True(f.Check(f.Buy(100, 100)).IsAccepted);
        Assert.Equal(RiskRejectReason.MaximumGrossExposure, f.Check(f.Buy(1, 100)).Reason);
    }

    [Theory]
    [InlineData(49, RiskRejectReason.None)]
    [InlineData(50, RiskRejectReason.None)]
    [InlineData(51, RiskRejectReason.MaximumNetExposure)]
    public void MaximumNetExposure_LongSide(long quantity, RiskRejectReason expected)
    {
        var f = new TradingFixture(o => o.Firm.MaximumNetExposure = 10_000);
        f.Position(30, 100);
        Assert.True(f.Check(f.Buy(20, 100)).IsAccepted);
        Assert.True(f.Check(f.Sell(80, 100)).IsAccepted); // sells do not count toward the long side
        Assert.Equal(expected, f.Check(f.Buy(quantity, 100)).Reason);
    }

    [Theory]
    [InlineData(1, RiskRejectReason.None)]
    [InlineData(2, RiskRejectReason.None)]
    [InlineData(3, RiskRejectReason.MaximumWorkingOrders)]
    public void MaximumWorkingOrders_BelowAtAbove(int alreadyWorking, RiskRejectReason expected)
    {
        var f = new TradingFixture(o => o.Firm.MaximumWorkingOrders = 3);
        for (var i = 0; i < alreadyWorking; i++)
        {
            Assert.True(f.Check(f.Buy(1)).IsAccepted);
        }

        Assert.Equal(expected, f.Check(f.Buy(1)).Reason);
    }

    [Fact]
    public void MaximumWorkingOrders_FillAndRejectRelease()
    {
        var f = new TradingFixture(o => o.Firm.MaximumWorkingOrders = 2);
        var first = f.Buy(5);
        var second = f.Buy(5);
        Assert.True(f.Check(first).IsAccepted);
        Assert.True(f.Check(second).IsAccepted);
        Assert.Equal(RiskRejectReason.MaximumWorkingOrders, f.Check(f.Buy(1)).Reason);
        Assert.True(f.Gate.OnFill(first.ClientOrderId, 1, 3, 100)); // partial: still working
        Assert.Equal(RiskRejectReason.MaximumWorkingOrders, f.Check(f.Buy(1)).Reason);
        Assert.True(f.Gate.OnFill(first.ClientOrderId, 2, 2, 100)); // full: done
        Assert.True(f.Check(f.Buy(1)).IsAccepted);
        Assert.True(f.Gate.OnReject(second.ClientOrderId));
        Assert.True(f.Check(f.Buy(1)).IsAccepted);
    }

    [Theory]
    [InlineData(49, RiskRejectReason.None)]
    [InlineData(50, RiskRejectReason.None)]
    [InlineData(51, RiskRejectReason.MaximumWorkingNotional)]
    public void MaximumWorkingNotional_BelowAtAbove(long quantity, RiskRejectReason expected)
    {
        var f = new TradingFixture(o => o.Firm.MaximumWorkingNotional = 10_000);
        Assert.True(f.Check(f.Sell(50, 100)).IsAccepted);
        Assert.Equal(expected, f.Check(f.Buy(quantity, 100)).Reason);
    }

    [Theory]
    [InlineData(9, true)]
    [InlineData(10, true)]
    [InlineData(11, false)]
    public void AccountMessageThrottle_BelowAtAbove(int messages, bool lastAccepted)
    {
        var f = new TradingFixture(o => SetAccountLimits(o, new RiskLimits { MaximumMessagesPerSecond = 10 }));
        RiskDecision last = default;
        for (var i = 0; i < messages; i++)
        {
            last = f.Check(f.Buy(1));
        }

        Assert.Equal(lastAccepted, last.IsAccepted);
        if (!lastAccepted)
        {
            Assert.Equal(RiskRejectReason.AccountMessageThrottle, last.Reason);

            // The other account has its own budget; the bucket refills with time.
            Assert.True(f.Check(f.Buy(1, account: f.A2)).IsAccepted);
            f.Time.Advance(TimeSpan.FromMilliseconds(100));
            Assert.True(f.Check(f.Buy(1)).IsAccepted);
        }
    }

    [Theory]
    [InlineData(19, true)]
    [InlineData(20, true)]
    [InlineData(21, false)]
    public void FirmMessageThrottle_CountsEveryAccount(int messages, bool lastAccepted)
    {
        var f = new TradingFixture(o => { o.Firm.MaximumMessagesPerSecond = 20; o.Firm.MaximumCancelsPerSecond = 40; });
        RiskDecision last = default;
        for (var i = 0; i < messages; i++)
        {
            last = f.Check(f.Buy(1, account: i % 2 == 0 ? f.A : f.A2));
        }

        Assert.Equal(lastAccepted, last.IsAccepted);
        if (!lastAccepted)
        {
            Assert.Equal(RiskRejectReason.FirmMessageThrottle, last.Reason);
        }
    }

    [Theory]
    [InlineData(29, true)]
    [InlineData(30, true)]
    [InlineData(31, false)]
    public void CancelThrottle_OwnLargerBudget_PassesWhenMessagesExhausted(int cancels, bool lastAccepted)
    {
        var f = new TradingFixture(o => { o.Firm.MaximumMessagesPerSecond = 10; o.Firm.MaximumCancelsPerSecond = 30; });
        for (var i = 0; i < 10; i++)
        {
            Assert.True(f.Check(f.Buy(1)).IsAccepted);
        }

        Assert.Equal(RiskRejectReason.AccountMessageThrottle, f.Check(f.Buy(1)).Reason);
        RiskDecision last = default;
        for (var i = 0; i < cancels; i++)
        {
            last = f.Gate.Check(OrderRequest.Cancel(1, f.A, f.S, f.Y));
        }

        Assert.Equal(lastAccepted, last.IsAccepted);
        if (!lastAccepted)
        {
            Assert.Equal(RiskRejectReason.AccountCancelThrottle, last.Reason);
        }
    }

    [Theory]
    [InlineData(2, false)]
    [InlineData(3, false)]
    [InlineData(4, true)]
    public void RepeatedExecutionThrottle_DisablesStrategyUntilAPersonEnablesIt(int fills, bool disabled)
    {
        var f = new TradingFixture(o => { o.Firm.MaximumRepeatedExecutions = 3; o.RepeatedExecutionWindow = TimeSpan.FromSeconds(10); });
        for (var i = 0; i < fills; i++)
        {
            f.Fill(f.Buy(1));
            f.Time.Advance(TimeSpan.FromSeconds(1));
        }

        var next = f.Check(f.Buy(1));
        Assert.Equal(disabled ? RiskRejectReason.StrategyDisabled : RiskRejectReason.None, next.Reason);
        Assert.True(f.Check(f.Buy(1, strategy: f.S2)).IsAccepted);
        if (disabled)
        {
            f.Time.Advance(TimeSpan.FromHours(1)); // time alone does not re-enable it
            f.Gate.UpdateReferencePrice(f.Y, 100);
            Assert.Equal(RiskRejectReason.StrategyDisabled, f.Check(f.Buy(1)).Reason);
            f.Gate.EnableStrategy(TradingFixture.Strategy, "alice", "checked the algo");
            Assert.True(f.Check(f.Buy(1)).IsAccepted);
        }
    }

    [Fact]
    public void RepeatedExecutionThrottle_FillsOutsideWindowDoNotCount()
    {
        var f = new TradingFixture(o => { o.Firm.MaximumRepeatedExecutions = 3; o.RepeatedExecutionWindow = TimeSpan.FromSeconds(10); });
        for (var i = 0; i < 8; i++)
        {
            f.Fill(f.Buy(1));
            f.Time.Advance(TimeSpan.FromSeconds(4)); // at most 3 within any 10 s
            f.Gate.UpdateReferencePrice(f.Y, 100);
        }

        Assert.True(f.Check(f.Buy(1)).IsAccepted);
    }

    [Fact]
    public void DuplicateClientOrderId_Rejected_EvenAfterTheFirstIsDone()
    {
        var f = new TradingFixture();
        var order = f.Buy(1);
        Assert.True(f.Check(order).IsAccepted);
        Assert.Equal(RiskRejectReason.DuplicateClientOrderId, f.Check(order).Reason);
        Assert.True(f.Gate.OnCancel(order.ClientOrderId));
        Assert.Equal(RiskRejectReason.DuplicateClientOrderId, f.Check(order).Reason);
    }

    [Theory]
    [InlineData(499, RiskRejectReason.DuplicateOrderContent)]
    [InlineData(500, RiskRejectReason.DuplicateOrderContent)]
    [InlineData(501, RiskRejectReason.None)]
    public void DuplicateOrderContent_WithinWindow(int millisecondsLater, RiskRejectReason expected)
    {
        var f = new TradingFixture(o => { o.EnabledChecks = RiskChecks.All; o.DuplicateContentWindow = TimeSpan.FromMilliseconds(500); });
        Assert.True(f.Check(f.Buy(7, 100.5)).IsAccepted);
        f.Time.Advance(TimeSpan.FromMilliseconds(millisecondsLater));
        Assert.Equal(expected, f.Check(f.Buy(7, 100.5)).Reason);

        // Different content is never a duplicate.
        Assert.True(f.Check(f.Sell(7, 100.5)).IsAccepted);
    }

    [Fact]
    public void DuplicateOrderContent_OffByDefault()
    {
        var f = new TradingFixture(o => o.EnabledChecks = RiskChecks.Default);
        Assert.True(f.Check(f.Buy(7, 100.5)).IsAccepted);
        Assert.True(f.Check(f.Buy(7, 100.5)).IsAccepted);
    }

    [Fact]
    public void TightestScopeWins()
    {
        var f = new TradingFixture(o =>
        {
            o.Firm.MaximumOrderQuantity = 100;
            o.AccountLimits[TradingFixture.Account] = new RiskLimits { MaximumOrderQuantity = 80 };
            o.StrategyLimits[TradingFixture.Strategy] = new RiskLimits { MaximumOrderQuantity = 60 };
            o.Instruments[TradingFixture.Symbol].Limits.MaximumOrderQuantity = 70;
        });

        // account 80, strategy 60, symbol 70, firm 100: 60
        Assert.True(f.Check(f.Buy(60)).IsAccepted);
        Assert.Equal(60, f.Check(f.Buy(61)).Limit);

        // account 80, symbol 70, firm 100: 70
        Assert.True(f.Check(f.Buy(70, strategy: f.S2)).IsAccepted);
        Assert.Equal(70, f.Check(f.Buy(71, strategy: f.S2)).Limit);

        // account 80, firm 100 (ABC trades in lots of 10)
        Assert.True(f.Check(f.Buy(80, strategy: f.S2, symbol: f.Y2)).IsAccepted);
        Assert.Equal(80, f.Check(f.Buy(90, strategy: f.S2, symbol: f.Y2)).Limit);

        // firm 100 only
        Assert.True(f.Check(f.Buy(100, account: f.A2, strategy: f.S2, symbol: f.Y2)).IsAccepted);
        Assert.Equal(100, f.Check(f.Buy(110, account: f.A2, strategy: f.S2, symbol: f.Y2)).Limit);
    }

    private static void SetAccountLimits(RiskGateOptions o, RiskLimits limits) => o.AccountLimits[TradingFixture.Account] = limits;
}
