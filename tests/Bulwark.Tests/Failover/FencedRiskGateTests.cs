using Bulwark.Failover;
using Bulwark.Tests.Trading;
using Bulwark.Trading;

namespace Bulwark.Tests.Failover;

public sealed class FencedRiskGateTests : IAsyncLifetime, IDisposable
{
    private static readonly LeaderElectorOptions Timing = new()
    {
        Ttl = TimeSpan.FromSeconds(2),
        RenewInterval = TimeSpan.FromMilliseconds(500),
        SafetyMargin = TimeSpan.FromMilliseconds(500),
    };

    private readonly TradingFixture _trading = new();
    private readonly TempDirectory _dir = new();
    private ILeaseCoordinator _store = null!;

    public async Task InitializeAsync() => _store = await SqliteLeaseCoordinator.OpenAsync(_dir.File("leases.db"), _trading.Time);

    public async Task DisposeAsync() => await _store.DisposeAsync();

    private OrderRequest Buy(long id) =>
        new(id, _trading.A, _trading.S, _trading.Y, OrderSide.Buy, 1, TradingFixture.ReferencePrice, OrderType.Limit, OrderAction.New);

    [Fact]
    public async Task NotLeader_RejectsNewOrders_ButNeverCancels()
    {
        await using var elector = new LeaderElector(_store, "engines", "a", Timing, _trading.Time);
        var gate = new FencedRiskGate(_trading.Gate, elector);
        var decision = gate.Check(Buy(1), out var token);
        Assert.Equal(RiskRejectReason.NotLeader, decision.Reason);
        Assert.Equal(default, token);
        Assert.True(gate.Check(OrderRequest.Cancel(1, _trading.A, _trading.S, _trading.Y), out _).IsAccepted);
    }

    [Fact]
    public async Task Leader_StampsTheTermsToken_AndLosesTheRightAtItsOwnDeadline()
    {
        await using var a = new LeaderElector(_store, "engines", "a", Timing, _trading.Time);
        await using var b = new LeaderElector(_store, "engines", "b", Timing, _trading.Time);
        var gateA = new FencedRiskGate(_trading.Gate, a);
        Assert.True(await a.StepAsync(CancellationToken.None));
        var accepted = gateA.Check(Buy(1), out var first);
        Assert.True(accepted.IsAccepted, accepted.ToString());
        Assert.Equal(a.Token, first);

        // a pauses past its deadline (Ttl less margin), b takes over after the lease itself expires.
        _trading.Time.Advance(Timing.Ttl - Timing.SafetyMargin);
        Assert.Equal(RiskRejectReason.NotLeader, gateA.Check(Buy(2), out _).Reason);
        _trading.Time.Advance(Timing.SafetyMargin);
        Assert.True(await b.StepAsync(CancellationToken.None));
        var gateB = new FencedRiskGate(_trading.Gate, b);
        Assert.True(gateB.Check(Buy(3), out var second).IsAccepted);
        Assert.True(second > first);
    }

    public void Dispose() => _dir.Dispose();
}
