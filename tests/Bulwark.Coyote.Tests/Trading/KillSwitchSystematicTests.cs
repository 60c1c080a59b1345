using Bulwark.Trading;
using Microsoft.Coyote.Specifications;

namespace Bulwark.Coyote.Tests.Trading;

/// <summary>
/// The kill switch and the gate under every interleaving Coyote explores: an engage and a release at once end as the
/// store will restore them, an order checked during an engage is in its cancel-all or rejected, and the same for the
/// end of a leadership term.
/// </summary>
public sealed class KillSwitchSystematicTests
{
    private static readonly TradingScope Firm = TradingScope.Firm;

    [Fact]
    public void EngageAndReleaseAtOnce_LeaveTheGateAsARestartWouldRestoreIt() => Systematic.Explore(async () =>
    {
        var g = new CoyoteGate();
        var store = new YieldingStore();
        var killSwitch = new KillSwitch(g.Gate, store);
        await killSwitch.EngageAsync(Firm, "alice", "first");

        var release = Task.Run(() => Attempt(() => killSwitch.ReleaseAsync(Firm, "bob", "fixed")));
        var engage = Task.Run(() => Attempt(() => killSwitch.EngageAsync(Firm, "carol", "again")));
        var (released, engaged) = (await release, await engage);

        Specification.Assert(engaged, "an engage is never refused");
        var restored = store.EngagedOnRestart("firm");
        Specification.Assert(killSwitch.IsEngaged(Firm) == restored,
            $"in memory engaged={killSwitch.IsEngaged(Firm)}, a restart restores engaged={restored} (release returned {released})");
        var rejected = g.Gate.Check(CoyoteGate.Buy(1)).Reason == RiskRejectReason.KillSwitchEngaged;
        Specification.Assert(rejected == killSwitch.IsEngaged(Firm), "the gate and the switch disagree");
    });

    [Fact]
    public void AnOrderCheckedDuringAnEngage_IsInItsCancelAll_OrRejected() => Systematic.Explore(async () =>
    {
        var g = new CoyoteGate();
        var killSwitch = new KillSwitch(g.Gate, new YieldingStore());
        IReadOnlyList<long>? cancelAll = null;
        killSwitch.CancelAllRequested += (_, e) => cancelAll = e.ClientOrderIds;

        var check = Task.Run(() => g.Gate.Check(CoyoteGate.Buy(7)));
        var engage = Task.Run(() => killSwitch.EngageAsync(Firm, "alice", "runaway"));
        var decision = await check;
        await engage;

        Specification.Assert(cancelAll is not null, "no cancel-all was raised");
        Specification.Assert(!decision.IsAccepted || cancelAll!.Contains(7),
            "order 7 was accepted while the switch was engaged and is missing from the cancel-all");
        Specification.Assert(g.Gate.Check(CoyoteGate.Buy(8)).Reason == RiskRejectReason.KillSwitchEngaged, "an order after the engage passed");
    });

    [Fact]
    public void AnOrderCheckedAsTheTermEnds_IsInTheWorkingOrdersSeenAfter_OrRejected() => Systematic.Explore(async () =>
    {
        var g = new CoyoteGate();
        g.Gate.SetLeadership(new Bulwark.Failover.FencingToken(5));

        var check = Task.Run(() => g.Gate.Check(CoyoteGate.Buy(7)));
        var loss = Task.Run(() =>
        {
            g.Gate.SetLeadership(null);
            return g.Gate.GetWorkingOrders();
        });
        var decision = await check;
        var working = await loss;

        Specification.Assert(!decision.IsAccepted || working.Contains(7),
            "order 7 was accepted under the ended term and is missing from the working orders read after its end");
        Specification.Assert(g.Gate.Check(CoyoteGate.Buy(8)).Reason == RiskRejectReason.NotLeader, "an order after the term passed");
    });

    private static async Task<bool> Attempt(Func<Task> action)
    {
        try
        {
            await action();
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }
}
