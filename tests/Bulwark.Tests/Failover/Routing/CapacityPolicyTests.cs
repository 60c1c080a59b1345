using Bulwark.Failover.Routing;
using Bulwark.Tests.Trading;
using Bulwark.Trading;

namespace Bulwark.Tests.Failover.Routing;

public sealed class CapacityPolicyTests
{
    [Fact]
    public void BelowRequiredCapacity_TradingMovesToThePolicysState_AndBackWhenCapacityReturns()
    {
        var trading = new TradingFixture();
        var pool = new ReplicaPool("gateways", FailoverStrategy.ActiveActive,
            [new ReplicaEndpoint("g0", "a"), new ReplicaEndpoint("g1", "b"), new ReplicaEndpoint("g2", "c")]);
        _ = new CapacityPolicy(pool, trading.Gate, required: 2, below: TradingState.Halted);
        Assert.Equal(RiskRejectReason.TradingHalted, trading.Check(trading.Buy(1)).Reason); // nothing known healthy yet

        pool.ReportHealth("g0", SafetyState.Healthy);
        pool.ReportHealth("g1", SafetyState.Degraded);
        Assert.True(trading.Check(trading.Buy(1)).IsAccepted);

        pool.ReportHealth("g1", SafetyState.Failed);
        Assert.Equal(RiskRejectReason.TradingHalted, trading.Check(trading.Buy(1)).Reason);
        var events = new List<SafetyEvent>();
        while (trading.Gate.TryTakeEvent(out var e))
        {
            events.Add(e);
        }

        var moved = events.Last(e => e.Kind == TradingEventKinds.TradingState);
        Assert.Contains("capacity: 1 of 3 replicas healthy, 2 required (g1 is Failed)", moved.Cause, StringComparison.Ordinal);

        pool.ReportHealth("g2", SafetyState.Healthy);
        Assert.True(trading.Check(trading.Buy(1)).IsAccepted);
    }

    [Fact]
    public void Reducing_LetsOnlyReducingOrdersThrough()
    {
        var trading = new TradingFixture();
        trading.Fill(trading.Buy(10));
        var pool = new ReplicaPool("gateways", FailoverStrategy.ActiveActive, [new ReplicaEndpoint("g0", "a"), new ReplicaEndpoint("g1", "b")]);
        _ = new CapacityPolicy(pool, trading.Gate, required: 2, below: TradingState.Reducing);
        pool.ReportHealth("g0", SafetyState.Healthy);
        Assert.False(trading.Check(trading.Buy(1)).IsAccepted);
        Assert.True(trading.Check(trading.Sell(5)).IsAccepted);
    }
}
