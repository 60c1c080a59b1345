using Bulwark.Failover;
using Bulwark.Tests.Trading;
using Bulwark.Trading;

namespace Bulwark.Tests.Failover;

public sealed class LeadershipBindingTests : IAsyncLifetime, IDisposable
{
    private static readonly LeaderElectorOptions Timing = new()
    {
        Ttl = TimeSpan.FromSeconds(2),
        RenewInterval = TimeSpan.FromMilliseconds(500),
        SafetyMargin = TimeSpan.FromMilliseconds(500),
    };

    private readonly TradingFixture _f = new();
    private readonly Bulwark.Tests.Shared.TempDirectory _dir = new();
    private ILeaseCoordinator _store = null!;

    public async Task InitializeAsync() => _store = await SqliteLeaseCoordinator.OpenAsync(_dir.File("leases.db"), _f.Time);

    public async Task DisposeAsync() => await _store.DisposeAsync();

    [Fact]
    public void GateOnItsOwn_AcceptsWithoutAToken()
    {
        var decision = _f.Check(_f.Buy(1));
        Assert.True(decision.IsAccepted);
        Assert.Equal(0, decision.FencingToken);
    }

    [Fact]
    public void SetLeadership_NotLeaderRejects_CancelsPass_LeaderStampsTheToken()
    {
        _f.Gate.SetLeadership(null);
        var order = _f.Buy(1);
        Assert.Equal(RiskRejectReason.NotLeader, _f.Check(order).Reason);
        Assert.True(_f.Gate.Check(new OrderRequest(order.ClientOrderId, _f.A, _f.S, _f.Y, OrderSide.Buy, 1, 100, OrderType.Limit, OrderAction.Cancel)).IsAccepted);

        _f.Gate.SetLeadership(new FencingToken(7));
        var decision = _f.Check(_f.Buy(1));
        Assert.True(decision.IsAccepted);
        Assert.Equal(7, decision.FencingToken);
        Assert.Throws<ArgumentOutOfRangeException>(() => _f.Gate.SetLeadership(new FencingToken(0)));
    }

    [Fact]
    public async Task BoundElector_OpensTheGateForItsTerm_AndClosesItAtTheDeadlineEvenWhenPaused()
    {
        await using var elector = new LeaderElector(_store, "engines", "a", Timing, _f.Time);
        elector.BindTo(_f.Gate);
        Assert.Equal(RiskRejectReason.NotLeader, _f.Check(_f.Buy(1)).Reason); // closed until a term begins

        Assert.True(await elector.StepAsync(CancellationToken.None));
        var decision = _f.Check(_f.Buy(1));
        Assert.True(decision.IsAccepted);
        Assert.Equal(elector.Token!.Value.Value, decision.FencingToken);

        // The elector's loop is paused; its deadline passes: the timer closes the gate with no step running.
        _f.Time.Advance(Timing.Ttl - Timing.SafetyMargin);
        _f.Gate.UpdateReferencePrice(_f.Y, TradingFixture.ReferencePrice);
        Assert.Equal(RiskRejectReason.NotLeader, _f.Check(_f.Buy(1)).Reason);

        // A new term, after the old lease expired, reopens it with a larger token.
        _f.Time.Advance(Timing.SafetyMargin);
        Assert.False(await elector.StepAsync(CancellationToken.None)); // ends the old term
        Assert.True(await elector.StepAsync(CancellationToken.None));
        var next = _f.Check(_f.Buy(1));
        Assert.True(next.IsAccepted);
        Assert.True(next.FencingToken > decision.FencingToken);
    }

    public void Dispose() => _dir.Dispose();
}
