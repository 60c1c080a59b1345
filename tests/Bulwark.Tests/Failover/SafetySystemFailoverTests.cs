using Bulwark.Failover;
using Bulwark.Tests.TestSupport;
using Bulwark.Trading;

namespace Bulwark.Tests.Failover;

/// <summary>
/// Two safety systems (two replicas) on one data directory with a <c>failover:</c> group that carries the risk gate:
/// only the leader's gate trades; when it stops, it resigns and the other takes over with a larger token, and the
/// failover is recorded against the SLA. Real clocks, short leases, conditions with deadlines.
/// </summary>
public sealed class SafetySystemFailoverTests : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);
    private readonly TempDirectory _dir = new();

    private BulwarkOptions Replica(string name, int port)
    {
        var options = TestSystems.GatewayOverTcp(_dir.Path, port);
        options.Trading = Bulwark.Tests.Trading.TradingFixture.DefaultOptions();
        options.Failover = new FailoverOptions { Replica = name };
        options.Failover.Groups.Add(new FailoverGroupOptions
        {
            // A long lease, so a loaded machine never costs the leader its term mid-test; a stop resigns, so the
            // takeover does not wait for it.
            Name = "engines", Trading = true, LeaseSeconds = 5, RenewIntervalSeconds = 0.2, RetryIntervalSeconds = 0.05, SafetyMarginSeconds = 1,
        });
        return options;
    }

    private static RiskDecision Buy(SafetySystem system, long id)
    {
        var gate = system.Trading!.Gate;
        var y = gate.GetSymbolId("XYZ");
        gate.UpdateReferencePrice(y, 100);
        return gate.Check(new OrderRequest(id, gate.GetAccountId("A1"), gate.GetStrategyId("S1"), y, OrderSide.Buy, 1, 100));
    }

    [Fact]
    public async Task OnlyTheLeaderTrades_AndWhenItStops_TheOtherTakesOver_WithALargerToken_Recorded()
    {
        var (listener, port) = TestSystems.Listen();
        try
        {
            await using var a = SafetySystem.Create(Replica("a", port));
            await a.StartAsync();
            var id = 0L;
            await Eventually.WaitUntilAsync(() => Buy(a, ++id).IsAccepted, Deadline, "a leads and trades");
            var first = Buy(a, ++id).FencingToken;
            Assert.True(first > 0);

            await using var b = SafetySystem.Create(Replica("b", port));
            await b.StartAsync();
            await Eventually.WaitUntilAsync(() => b.Manager.SystemState == SafetyState.Healthy, Deadline, "b healthy");
            Assert.Equal(RiskRejectReason.NotLeader, Buy(b, ++id).Reason); // a follower's gate is closed
            Assert.True(Buy(a, ++id).IsAccepted);

            await a.StopAsync(); // resigns
            Assert.Equal(RiskRejectReason.NotLeader, Buy(a, ++id).Reason);
            await Eventually.WaitUntilAsync(() => Buy(b, ++id).IsAccepted, Deadline, "b takes over");
            Assert.True(Buy(b, ++id).FencingToken > first);

            var record = Assert.Single(b.Failover!.Records);
            Assert.Equal(("a", "b", "a resigned"), (record.OldLeader, record.NewLeader, record.Cause));
            Assert.True(record.RecoveryTime < TimeSpan.FromSeconds(10), record.RecoveryTime.ToString());
            var report = b.ValidateRecoveryTimeSla();
            Assert.True(report.SlaMet);
            Assert.Equal(1, report.Count);
        }
        finally
        {
            listener.Stop();
        }
    }

    [Fact]
    public async Task AnEtcdBackendWithoutItsCoordinator_FailsTheStart_WithWhatToDo()
    {
        var (listener, port) = TestSystems.Listen();
        try
        {
            var options = Replica("a", port);
            options.Failover!.Coordinator.Backend = CoordinatorBackend.Etcd;
            options.Failover.Coordinator.Endpoints = "http://127.0.0.1:2379";
            await using var system = SafetySystem.Create(options);
            var error = await Assert.ThrowsAsync<InvalidOperationException>(() => system.StartAsync());
            Assert.Contains("EtcdLeaseCoordinator", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            listener.Stop();
        }
    }

    public void Dispose() => _dir.Dispose();
}
