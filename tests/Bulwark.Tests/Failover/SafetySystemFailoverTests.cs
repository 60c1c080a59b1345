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
            // The manager's state is set before its transition reaches the gate, so wait for the gate: once the start's
            // hold is lifted, what still closes a follower's gate is that it does not lead.
            await Eventually.WaitUntilAsync(() => Buy(b, ++id).Reason != RiskRejectReason.TradingHalted, Deadline, "b's start hold lifted");
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

/// <summary>A load-balanced group routed by component health, with graceful degradation of trading below capacity.</summary>
public sealed class SafetySystemRoutingTests : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);
    private readonly TempDirectory _dir = new();

    [Fact]
    public async Task AFailedReplicaLeavesThePool_AndBelowCapacityTradingHalts()
    {
        var (one, portOne) = TestSystems.Listen();
        var (two, portTwo) = TestSystems.Listen();
        try
        {
            var options = new BulwarkOptions { DataDirectory = _dir.Path, CheckIntervalSeconds = 0.05 };
            foreach (var (name, port) in new[] { ("gw1", portOne), ("gw2", portTwo) })
            {
                var component = new ComponentOptions { Name = name, Criticality = Criticality.Informational, FailureThreshold = 1, SuccessThreshold = 1 };
                component.Checks.Add(new CheckOptions { Type = CheckType.Tcp, Host = "127.0.0.1", Port = port, TimeoutSeconds = 5 }); // a stopped listener refuses at once: the timeout only covers a slow machine
                options.Components.Add(component);
            }

            options.Trading = Bulwark.Tests.Trading.TradingFixture.DefaultOptions();
            options.Failover = new FailoverOptions { Replica = "engine-1" };
            var group = new FailoverGroupOptions { Name = "gateways", Strategy = Bulwark.Failover.Routing.FailoverStrategy.LoadBalanced, RequiredHealthy = 2, BelowCapacity = TradingState.Halted };
            group.Replicas.Add(new FailoverReplicaOptions { Name = "gw1", Address = "tcp://127.0.0.1:1", Weight = 1 });
            group.Replicas.Add(new FailoverReplicaOptions { Name = "gw2", Address = "tcp://127.0.0.1:2", Weight = 3 });
            options.Failover.Groups.Add(group);

            await using var system = SafetySystem.Create(options);
            await system.StartAsync();
            var pool = system.Failover!.Pools["gateways"];
            var gate = system.Trading!.Gate;
            var y = gate.GetSymbolId("XYZ");
            gate.UpdateReferencePrice(y, 100);
            var id = 0L;
            RiskDecision Buy() => gate.Check(new OrderRequest(++id, gate.GetAccountId("A1"), gate.GetStrategyId("S1"), y, OrderSide.Buy, 1, 100));

            // The mark is fed as a price feed would while waiting: fed once, it went stale (5 s) on a slow start, and
            // every buy after that was refused for it (seen in CI).
            RiskDecision? last = null;
            await Eventually.WaitUntilAsync(() =>
            {
                gate.UpdateReferencePrice(y, 100);
                return Task.FromResult(pool.HealthyCount == 2 && (last = Buy()).Value.IsAccepted);
            }, Deadline, () => $"both gateways healthy and trading; healthy {pool.HealthyCount}, last decision {last}");
            Assert.Equal(0.75, pool.Shares()["gw2"]);

            two.Stop();
            await Eventually.WaitUntilAsync(() => pool.HealthyCount == 1, Deadline, "gw2 out of the pool");
            Assert.Equal(RiskRejectReason.TradingHalted, Buy().Reason);
            for (var i = 0; i < 8; i++)
            {
                Assert.True(pool.TrySelect(out var replica));
                Assert.Equal("gw1", replica.Name);
            }
        }
        finally
        {
            one.Stop();
            two.Stop();
        }
    }

    public void Dispose() => _dir.Dispose();
}
