using Bulwark.Failover;
using Bulwark.Trading;
using Microsoft.Coyote.Specifications;

namespace Bulwark.Coyote.Tests.Trading;

/// <summary>
/// The order path's lock-free bookkeeping under every interleaving Coyote explores: checks racing each other and the
/// reports that take the gate's lock, and a bound elector's term ending while an order is being checked.
/// </summary>
public sealed class GateSystematicTests
{
    private const double Limit = 200 * CoyoteGate.Price;

    [Fact]
    public void ChecksAndAFillAtOnce_LeaveGrossExposureExact_AndWithinItsLimit() => Systematic.Explore(async () =>
    {
        var g = new CoyoteGate(o =>
        {
            o.Firm.MaximumGrossExposure = Limit;
            o.Firm.MaximumNetExposure = 1e13;
        });
        var shortSale = CoyoteGate.Sell(1, 100);
        Specification.Assert(g.Gate.Check(in shortSale).IsAccepted, "the first sale");
        var a = CoyoteGate.Buy(2, 100);
        Specification.Assert(g.Gate.Check(in a).IsAccepted, "buy A");
        g.Gate.OnFill(1, 1, 100, CoyoteGate.Price); // short 100, A (100) working

        var b = Task.Run(() => g.Gate.Check(CoyoteGate.Buy(3, 100)));
        var c = Task.Run(() => g.Gate.Check(CoyoteGate.Buy(4, 200)));
        var s = Task.Run(() => g.Gate.Check(CoyoteGate.Sell(5, 100)));
        var fill = Task.Run(() => g.Gate.OnFill(2, 2, 100, CoyoteGate.Price)); // A fills while they are checked
        var decisions = new[] { (3L, 100L, OrderSide.Buy, await b), (4L, 200L, OrderSide.Buy, await c), (5L, 100L, OrderSide.Sell, await s) };
        await fill;

        // From what was accepted: position 0 (short 100, then A's 100), the accepted orders working.
        var buys = decisions.Where(d => d.Item4.IsAccepted && d.Item3 == OrderSide.Buy).Sum(d => d.Item2);
        var sells = decisions.Where(d => d.Item4.IsAccepted && d.Item3 == OrderSide.Sell).Sum(d => d.Item2);
        var gross = CoyoteGate.Price * Math.Max(buys, sells);
        var exposure = g.Gate.GetExposure(0);
        Specification.Assert(exposure.Gross == gross, $"gross {exposure.Gross}, exact worst case {gross} (buys {buys}, sells {sells})");
        Specification.Assert(exposure.Gross <= Limit, $"gross {exposure.Gross} over its limit");
        Specification.Assert(exposure.NetLong == CoyoteGate.Price * buys && exposure.NetShort == CoyoteGate.Price * sells, $"net {exposure}");
    });

    [Fact]
    public void AnOrderCheckedAsABoundElectorStops_CarriesItsTerm_AndIsInTheWorkingOrdersAfter() => Systematic.Explore(async () =>
    {
        var g = new CoyoteGate();
        var elector = new LeaderElector(new MemoryLeases(), "engines", "a", timeProvider: g.Time);
        elector.BindTo(g.Gate);
        Specification.Assert(await elector.StepAsync(CancellationToken.None), "the first acquire");
        var token = elector.Token!.Value.Value;

        var check = Task.Run(() => g.Gate.Check(CoyoteGate.Buy(7)));
        var stop = Task.Run(async () =>
        {
            await elector.StopAsync();
            return g.Gate.GetWorkingOrders();
        });
        var decision = await check;
        var working = await stop;

        Specification.Assert(!decision.IsAccepted || decision.FencingToken == token, $"accepted with token {decision.FencingToken}, the term's is {token}");
        Specification.Assert(!decision.IsAccepted || working.Contains(7), "accepted under the term and missing from the working orders read after it ended");
        Specification.Assert(g.Gate.Check(CoyoteGate.Buy(8)).Reason == RiskRejectReason.NotLeader, "an order after the term passed");
    });

    /// <summary>One group's lease in memory; each call yields first, as a real coordinator's round trip would.</summary>
    private sealed class MemoryLeases : ILeaseCoordinator
    {
        private Lease? _held;
        private long _epoch;

        public async ValueTask<Lease?> TryAcquireAsync(string group, string holder, TimeSpan ttl, CancellationToken cancellationToken = default)
        {
            await Task.Yield();
            if (_held is not null)
            {
                return null;
            }

            _held = new Lease(group, holder, new FencingToken(++_epoch), ttl);
            return _held;
        }

        public async ValueTask<bool> RenewAsync(Lease lease, CancellationToken cancellationToken = default)
        {
            await Task.Yield();
            return ReferenceEquals(_held, lease);
        }

        public async ValueTask ReleaseAsync(Lease lease, CancellationToken cancellationToken = default)
        {
            await Task.Yield();
            if (ReferenceEquals(_held, lease))
            {
                _held = null;
            }
        }

        public ValueTask<LeaseRecord?> ReadAsync(string group, CancellationToken cancellationToken = default) => ValueTask.FromResult<LeaseRecord?>(null);

        public ValueTask RequestHandoverAsync(string group, string target, TimeSpan window, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
