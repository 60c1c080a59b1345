using Bulwark.Trading;

namespace Bulwark.Tests.Trading;

public sealed class RiskGateValidityAndStateTests
{
    [Theory]
    [InlineData(1, 100.0, RiskRejectReason.None)]
    [InlineData(0, 100.0, RiskRejectReason.InvalidQuantity)]
    [InlineData(-5, 100.0, RiskRejectReason.InvalidQuantity)]
    [InlineData(1, 0.0, RiskRejectReason.InvalidPrice)]
    [InlineData(1, -1.0, RiskRejectReason.InvalidPrice)]
    [InlineData(1, double.NaN, RiskRejectReason.InvalidPrice)]
    [InlineData(1, double.PositiveInfinity, RiskRejectReason.InvalidPrice)]
    [InlineData(1, 100.005, RiskRejectReason.PriceOffTick)]
    [InlineData(1, 100.01, RiskRejectReason.None)]
    public void OrderValidity_QuantityAndPrice(long quantity, double price, RiskRejectReason expected)
    {
        var f = new TradingFixture();
        Assert.Equal(expected, f.Check(f.Buy(quantity, price)).Reason);
    }

    [Theory]
    [InlineData(9, RiskRejectReason.QuantityOffLot)]
    [InlineData(10, RiskRejectReason.None)]
    [InlineData(11, RiskRejectReason.QuantityOffLot)]
    [InlineData(20, RiskRejectReason.None)]
    public void OrderValidity_Lot(long quantity, RiskRejectReason expected)
    {
        var f = new TradingFixture();
        Assert.Equal(expected, f.Check(f.Buy(quantity, 100.05, symbol: f.Y2)).Reason);
    }

    [Fact]
    public void OrderValidity_TickOfOtherInstrument()
    {
        var f = new TradingFixture();
        Assert.Equal(RiskRejectReason.PriceOffTick, f.Check(f.Buy(10, 100.01, symbol: f.Y2)).Reason);
    }

    [Fact]
    public void OrderValidity_UnknownIdsAndRestrictedList()
    {
        var f = new TradingFixture(o => o.RestrictedSymbols.Add(TradingFixture.OtherSymbol));
        Assert.Equal(-1, f.Gate.GetSymbolId("NOPE"));
        Assert.Equal(RiskRejectReason.UnknownSymbol, f.Check(f.Buy(1, symbol: 99)).Reason);
        Assert.Equal(RiskRejectReason.UnknownSymbol, f.Check(f.Buy(1, symbol: -1)).Reason);
        Assert.Equal(RiskRejectReason.UnknownAccount, f.Check(f.Buy(1, account: 7)).Reason);
        Assert.Equal(RiskRejectReason.UnknownStrategy, f.Check(f.Buy(1, strategy: 7)).Reason);
        Assert.Equal(RiskRejectReason.RestrictedSymbol, f.Check(f.Buy(10, 100.05, symbol: f.Y2)).Reason);
        Assert.Equal(RiskRejectReason.InvalidClientOrderId,
            f.Gate.Check(new OrderRequest(0, f.A, f.S, f.Y, OrderSide.Buy, 1, 100)).Reason);
    }

    [Fact]
    public void MarketOrder_ValuedAtReferencePrice()
    {
        var f = new TradingFixture(o => o.Firm.MaximumOrderNotional = 1_000);
        f.Gate.UpdateReferencePrice(f.Y, 100);
        Assert.True(f.Gate.Check(new OrderRequest(f.NextId(), f.A, f.S, f.Y, OrderSide.Buy, 10, double.NaN, OrderType.Market)).IsAccepted);
        var over = f.Gate.Check(new OrderRequest(f.NextId(), f.A, f.S, f.Y, OrderSide.Buy, 11, double.NaN, OrderType.Market));
        Assert.Equal(RiskRejectReason.MaximumOrderNotional, over.Reason);
        Assert.Equal(1_100, over.Value);
    }

    public static TheoryData<RiskLimitKind> EveryLimitOnTheOrderPath => new()
    {
        RiskLimitKind.MaximumOrderQuantity,
        RiskLimitKind.MaximumOrderNotional,
        RiskLimitKind.MaximumLongPosition,
        RiskLimitKind.MaximumGrossExposure,
        RiskLimitKind.MaximumNetExposure,
        RiskLimitKind.MaximumWorkingOrders,
        RiskLimitKind.MaximumWorkingNotional,
        RiskLimitKind.MaximumMessagesPerSecond,
    };

    [Theory]
    [MemberData(nameof(EveryLimitOnTheOrderPath))]
    public void EnabledCheckWithoutLimit_Rejects(RiskLimitKind kind)
    {
        var f = new TradingFixture(o => Unset(o.Firm, kind));
        var decision = f.Check(f.Buy(1));
        Assert.Equal(RiskRejectReason.LimitNotConfigured, decision.Reason);
        Assert.Equal((double)kind, decision.Value);
    }

    [Fact]
    public void EnabledCollarWithoutAnyCollar_Rejects()
    {
        var f = new TradingFixture(o => { o.Firm.PriceCollarPercent = null; o.Firm.PriceCollarTicks = null; });
        Assert.Equal(RiskRejectReason.LimitNotConfigured, f.Check(f.Buy(1)).Reason);
    }

    [Fact]
    public void CancelWithoutCancelBudget_Rejects()
    {
        var f = new TradingFixture(o => o.Firm.MaximumCancelsPerSecond = null);
        Assert.Equal(RiskRejectReason.LimitNotConfigured, f.Gate.Check(OrderRequest.Cancel(1, f.A, f.S, f.Y)).Reason);
    }

    [Fact]
    public void DisabledCheckWithoutLimit_Passes()
    {
        var f = new TradingFixture(o => { Unset(o.Firm, RiskLimitKind.MaximumOrderQuantity); o.EnabledChecks &= ~RiskChecks.MaximumOrderQuantity; });
        Assert.True(f.Check(f.Buy(5_000)).IsAccepted);
    }

    [Fact]
    public void OffPathChecksWithoutFirmLimit_RefusedAtStart()
    {
        var ex = Assert.Throws<BulwarkOptionsException>(() => new TradingFixture(o =>
        {
            o.Firm.MaximumDailyLoss = null;
            o.Firm.MaximumRepeatedExecutions = null;
            o.Firm.MaximumOrderQuantity = -1;
        }));
        Assert.Contains(ex.Errors, e => e.Path == "trading.firm.maximumDailyLoss");
        Assert.Contains(ex.Errors, e => e.Path == "trading.firm.maximumRepeatedExecutions");
        Assert.Contains(ex.Errors, e => e.Path == "trading.firm.maximumOrderQuantity");
    }

    [Theory]
    [InlineData(ScopeLevel.Firm)]
    [InlineData(ScopeLevel.Account)]
    [InlineData(ScopeLevel.Strategy)]
    [InlineData(ScopeLevel.Symbol)]
    public void Halted_RejectsNewOrdersInScope_CancelsPass(ScopeLevel level)
    {
        var f = new TradingFixture();
        var scope = level switch
        {
            ScopeLevel.Firm => TradingScope.Firm,
            ScopeLevel.Account => TradingScope.ForAccount(TradingFixture.Account),
            ScopeLevel.Strategy => TradingScope.ForStrategy(TradingFixture.Strategy),
            _ => TradingScope.ForSymbol(TradingFixture.Symbol),
        };
        f.Gate.SetTradingState(scope, TradingState.Halted, "alice", "test");
        Assert.Equal(RiskRejectReason.TradingHalted, f.Check(f.Buy(1)).Reason);
        Assert.True(f.Gate.Check(OrderRequest.Cancel(1, f.A, f.S, f.Y)).IsAccepted);

        // Out of scope still trades (except for the firm, which covers everything).
        var other = f.Check(f.Buy(10, 100.05, account: f.A2, strategy: f.S2, symbol: f.Y2));
        Assert.Equal(level == ScopeLevel.Firm ? RiskRejectReason.TradingHalted : RiskRejectReason.None, other.Reason);

        f.Gate.SetTradingState(scope, TradingState.Active, "alice", "done");
        Assert.True(f.Check(f.Buy(1)).IsAccepted);
    }

    [Theory]
    [InlineData(50, 0, 49, RiskRejectReason.None)]
    [InlineData(50, 0, 50, RiskRejectReason.None)]      // down to flat: allowed
    [InlineData(50, 0, 51, RiskRejectReason.ReduceOnly)] // would flip
    [InlineData(50, 30, 20, RiskRejectReason.None)]     // working sells count
    [InlineData(50, 30, 21, RiskRejectReason.ReduceOnly)]
    public void Reducing_SellAgainstLong_NeverFlips(long position, long workingSells, long sell, RiskRejectReason expected)
    {
        var f = new TradingFixture();
        f.Position(position);
        if (workingSells > 0)
        {
            Assert.True(f.Check(f.Sell(workingSells)).IsAccepted);
        }

        f.Gate.SetTradingState(TradingScope.ForAccount(TradingFixture.Account), TradingState.Reducing, "alice", "test");
        Assert.Equal(expected, f.Check(f.Sell(sell)).Reason);
        Assert.Equal(RiskRejectReason.ReduceOnly, f.Check(f.Buy(1)).Reason); // a buy would grow the long
    }

    [Fact]
    public void Reducing_FromFlat_NothingPasses()
    {
        var f = new TradingFixture();
        f.Gate.SetTradingState(TradingScope.Firm, TradingState.Reducing, "alice", "test");
        Assert.Equal(RiskRejectReason.ReduceOnly, f.Check(f.Buy(1)).Reason);
        Assert.Equal(RiskRejectReason.ReduceOnly, f.Check(f.Sell(1)).Reason);
    }

    [Theory]
    [InlineData(39, RiskRejectReason.None)]
    [InlineData(40, RiskRejectReason.None)]
    [InlineData(41, RiskRejectReason.ReduceOnly)]
    public void Reducing_BuyAgainstShort_CountsWorkingBuys(long buy, RiskRejectReason expected)
    {
        var f = new TradingFixture();
        f.Position(-50);
        Assert.True(f.Check(f.Buy(10)).IsAccepted);
        f.Gate.SetTradingState(TradingScope.ForSymbol(TradingFixture.Symbol), TradingState.Reducing, "alice", "test");
        Assert.Equal(expected, f.Check(f.Buy(buy)).Reason);
        Assert.Equal(RiskRejectReason.ReduceOnly, f.Check(f.Sell(1)).Reason);
    }

    [Fact]
    public void Fills_PositionAveragePriceAndRealizedPnl()
    {
        var f = new TradingFixture();
        var buy = f.Buy(10, 100);
        Assert.True(f.Check(buy).IsAccepted);
        Assert.True(f.Gate.OnAck(buy.ClientOrderId));
        Assert.True(f.Gate.OnFill(buy.ClientOrderId, 1, 4, 100));
        Assert.True(f.Gate.OnFill(buy.ClientOrderId, 2, 6, 101));
        var p = f.Gate.GetPosition(f.A, f.Y);
        Assert.Equal(10, p.Position);
        Assert.Equal(100.6, p.AveragePrice, 9);
        Assert.Equal(10, p.WorstCaseLong);

        var sell = f.Sell(15, 102);
        Assert.True(f.Check(sell).IsAccepted);
        Assert.True(f.Gate.OnFill(sell.ClientOrderId, 3, 15, 102));
        p = f.Gate.GetPosition(f.A, f.Y);
        Assert.Equal(-5, p.Position);
        Assert.Equal(102, p.AveragePrice, 9);
        Assert.Equal(14, p.RealizedPnl, 9); // 10 x (102 - 100.6)
        Assert.Empty(f.Gate.GetWorkingOrders());
    }

    [Fact]
    public void Fill_AppliedOnceByExecutionId()
    {
        var f = new TradingFixture();
        var buy = f.Buy(10);
        Assert.True(f.Check(buy).IsAccepted);
        Assert.True(f.Gate.OnFill(buy.ClientOrderId, 42, 4, 100));
        var before = f.Gate.GetPosition(f.A, f.Y);
        Assert.False(f.Gate.OnFill(buy.ClientOrderId, 42, 4, 100));
        Assert.Equal(before, f.Gate.GetPosition(f.A, f.Y));
        Assert.False(f.Gate.OnFill(999_999, 43, 4, 100)); // unknown order
        Assert.False(f.Gate.OnCancel(999_999));
    }

    [Fact]
    public void FillAfterCancel_StillMovesPosition()
    {
        var f = new TradingFixture();
        var buy = f.Buy(10);
        Assert.True(f.Check(buy).IsAccepted);
        Assert.True(f.Gate.OnCancel(buy.ClientOrderId));
        Assert.False(f.Gate.OnCancel(buy.ClientOrderId)); // second cancel releases nothing
        Assert.True(f.Gate.OnFill(buy.ClientOrderId, 7, 3, 100)); // raced the cancel at the venue
        var p = f.Gate.GetPosition(f.A, f.Y);
        Assert.Equal(3, p.Position);
        Assert.Equal(3, p.WorstCaseLong);
    }

    internal static void Unset(RiskLimits limits, RiskLimitKind kind)
    {
        switch (kind)
        {
            case RiskLimitKind.MaximumOrderQuantity: limits.MaximumOrderQuantity = null; break;
            case RiskLimitKind.MaximumOrderNotional: limits.MaximumOrderNotional = null; break;
            case RiskLimitKind.MaximumLongPosition: limits.MaximumLongPosition = null; break;
            case RiskLimitKind.MaximumGrossExposure: limits.MaximumGrossExposure = null; break;
            case RiskLimitKind.MaximumNetExposure: limits.MaximumNetExposure = null; break;
            case RiskLimitKind.MaximumWorkingOrders: limits.MaximumWorkingOrders = null; break;
            case RiskLimitKind.MaximumWorkingNotional: limits.MaximumWorkingNotional = null; break;
            case RiskLimitKind.MaximumMessagesPerSecond: limits.MaximumMessagesPerSecond = null; break;
            default: throw new ArgumentOutOfRangeException(nameof(kind));
        }
    }
}
