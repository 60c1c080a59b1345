using Bulwark.Failover.Routing;
using CsCheck;

namespace Bulwark.Tests.Failover.Routing;

public sealed class ReplicaPoolTests
{
    private static ReplicaPool Pool(FailoverStrategy strategy, params double[] weights) =>
        new("engines", strategy, weights.Select((w, i) => new ReplicaEndpoint($"r{i}", $"http://127.0.0.1:{9000 + i}", w)).ToList());

    private static List<string> Take(ReplicaPool pool, int count) =>
        Enumerable.Range(0, count).Select(_ => pool.TrySelect(out var r) ? r.Name : "none").ToList();

    [Fact]
    public void NothingIsSelected_UntilAReplicaIsKnownHealthy()
    {
        var pool = Pool(FailoverStrategy.ActiveActive, 1, 1);
        Assert.False(pool.TrySelect(out _));
        pool.ReportHealth("r1", SafetyState.Critical);
        Assert.False(pool.TrySelect(out _));
        Assert.Equal(0, pool.HealthyCount);
    }

    [Fact]
    public void ActiveActive_EveryHealthyReplicaInTurn_AnUnhealthyOneLeavesAndRejoins()
    {
        var pool = Pool(FailoverStrategy.ActiveActive, 1, 1, 5); // weights do not matter here
        foreach (var r in new[] { "r0", "r1", "r2" })
        {
            pool.ReportHealth(r, SafetyState.Healthy);
        }

        Assert.Equal(["r0", "r1", "r2", "r0", "r1", "r2"], Take(pool, 6));
        pool.ReportHealth("r1", SafetyState.Failed);
        Assert.Equal(2, pool.HealthyCount);
        Assert.DoesNotContain("r1", Take(pool, 10));
        pool.ReportHealth("r1", SafetyState.Recovering);
        Assert.Contains("r1", Take(pool, 3));
    }

    [Fact]
    public void LoadBalanced_SharesFollowWeightHealthAndLatency()
    {
        var pool = Pool(FailoverStrategy.LoadBalanced, 1, 1, 2);
        foreach (var r in new[] { "r0", "r1", "r2" })
        {
            pool.ReportHealth(r, SafetyState.Healthy);
        }

        Assert.Equal(new Dictionary<string, double> { ["r0"] = 0.25, ["r1"] = 0.25, ["r2"] = 0.5 }, pool.Shares());
        var turn = Take(pool, ReplicaPool.WheelSize); // one turn of the wheel is exactly the shares
        Assert.Equal(128, turn.Count(n => n == "r2"));
        Assert.True(turn.Zip(turn.Skip(1)).Count(p => p.First == p.Second && p.First != "r2") == 0, "turns are spread, not bunched");

        pool.ReportHealth("r2", SafetyState.Degraded); // half weight: 1, 1, 1
        Assert.All(pool.Shares().Values, share => Assert.InRange(share, 0.33, 0.34));

        pool.ReportHealth("r2", SafetyState.Failed);
        pool.ReportLatency("r0", TimeSpan.FromMilliseconds(10));
        pool.ReportLatency("r1", TimeSpan.FromMilliseconds(20)); // twice as slow: half the share
        var shares = pool.Shares();
        Assert.InRange(shares["r0"], 0.66, 0.67);
        Assert.InRange(shares["r1"], 0.33, 0.34);
        Assert.False(shares.ContainsKey("r2"));
    }

    [Fact]
    public void OnlyRoutingStrategies_MakeAPool_AndBadReplicasAreRefused()
    {
        Assert.Throws<ArgumentException>(() => Pool(FailoverStrategy.ActivePassive, 1));
        Assert.Throws<ArgumentException>(() => Pool(FailoverStrategy.LoadBalanced));
        Assert.Throws<ArgumentException>(() => Pool(FailoverStrategy.LoadBalanced, 0));
        Assert.Throws<ArgumentException>(() => Pool(FailoverStrategy.ActiveActive, 1).ReportHealth("ghost", SafetyState.Healthy));
    }

    [Fact]
    public void Property_ASelectedReplicaServes_AndNoneIsSelectedWhenNoneServes() =>
        Gen.Select(Gen.Int[0, 3], Gen.Enum<SafetyState>(), Gen.Int[0, 40]).Array[1, 30].Sample(steps =>
        {
            var pool = Pool(FailoverStrategy.LoadBalanced, 1, 2, 3, 4);
            var health = Enumerable.Repeat(SafetyState.Unknown, 4).ToArray();
            foreach (var (replica, state, latency) in steps)
            {
                pool.ReportHealth($"r{replica}", state);
                pool.ReportLatency($"r{replica}", TimeSpan.FromMilliseconds(latency));
                health[replica] = state;
                var serving = health.Select((h, i) => (h, i)).Where(x => ReplicaPool.Serves(x.h)).Select(x => $"r{x.i}").ToHashSet();
                for (var i = 0; i < 20; i++)
                {
                    var selected = pool.TrySelect(out var r);
                    Assert.Equal(serving.Count > 0, selected);
                    Assert.True(!selected || serving.Contains(r.Name), $"selected {r?.Name}, serving {string.Join(",", serving)}");
                }

                Assert.Equal(serving.Count, pool.HealthyCount);
            }
        });

    [Fact]
    public async Task Concurrently_AReplicaThatNeverServes_IsNeverSelected()
    {
        var pool = Pool(FailoverStrategy.ActiveActive, 1, 1, 1);
        pool.ReportHealth("r2", SafetyState.Failed);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        var flipper = Task.Run(() =>
        {
            for (var i = 0; i < 20_000 && !stop.IsCancellationRequested; i++)
            {
                pool.ReportHealth(i % 2 == 0 ? "r0" : "r1", i % 3 == 0 ? SafetyState.Failed : SafetyState.Healthy);
            }
        });
        var selections = Task.Run(() =>
        {
            var seen = new HashSet<string>();
            for (var i = 0; i < 200_000 && !stop.IsCancellationRequested; i++)
            {
                if (pool.TrySelect(out var r))
                {
                    seen.Add(r.Name);
                }
            }

            return seen;
        });
        await flipper;
        Assert.DoesNotContain("r2", await selections);
    }
}
