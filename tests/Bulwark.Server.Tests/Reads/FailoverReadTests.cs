using System.Net;
using Bulwark.Failover;
using Bulwark.Server.Auth;

namespace Bulwark.Server.Tests.Reads;

/// <summary>With a failover section: /failovers reads the coordinator, /status shows this replica's groups, /readyz knows the leadership.</summary>
public sealed class FailoverReadTests
{
    [Fact]
    public async Task TheLeaderIsShown_FromTheCoordinator_AndReadinessKnowsIt()
    {
        await using var harness = await ServerHarness.StartAsync(options =>
        {
            var failover = new FailoverOptions { Replica = "r1" };
            failover.Groups.Add(new FailoverGroupOptions { Name = "engines", LeaseSeconds = 2, RenewIntervalSeconds = 0.5, RetryIntervalSeconds = 0.1, SafetyMarginSeconds = 0.5 });
            options.Failover = failover;
        });
        await Eventually.WaitUntilAsync(() => harness.System.Failover!.Electors.Single().IsLeader, TimeSpan.FromSeconds(30), "r1 leads");

        var failovers = await Problem.JsonAsync(await harness.GetAsync("/api/v1/failovers", ApiRole.Viewer));
        var status = await Problem.JsonAsync(await harness.GetAsync("/api/v1/status", ApiRole.Viewer));
        var ready = await Problem.JsonAsync(await harness.GetAsync("/readyz"));

        Assert.True(failovers.GetProperty("configured").GetBoolean());
        Assert.Equal("r1", failovers.GetProperty("replica").GetString());
        var group = failovers.GetProperty("groups").EnumerateArray().Single();
        Assert.Equal("engines", group.GetProperty("group").GetString());
        Assert.Equal("r1", group.GetProperty("leader").GetString());
        Assert.True(group.GetProperty("token").GetInt64() > 0);
        Assert.True(failovers.TryGetProperty("recoveryTime", out _));
        var mine = status.GetProperty("failover").GetProperty("groups").EnumerateArray().Single();
        Assert.True(mine.GetProperty("leader").GetBoolean());
        Assert.Equal(group.GetProperty("token").GetInt64(), mine.GetProperty("fencingToken").GetInt64());
        var leadership = ready.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "leadership");
        Assert.Equal("group engines: leader", leadership.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task ACoordinatorThatDoesNotAnswer_MakesLeadershipUnknown_ReadyzIs503_AndFailoversSaySo()
    {
        await using var harness = await ServerHarness.StartAsync(Engines, leases: new Unreachable());

        // The elector's first attempt may still be on its way: wait until it has failed once.
        await Eventually.WaitUntilAsync(() => harness.System.Failover!.Electors.Single().LeadershipUnknown()?.Contains("refused", StringComparison.Ordinal) == true,
            TimeSpan.FromSeconds(30), "the first attempt failed");
        var problem = await Problem.ReadAsync(await harness.GetAsync("/readyz"), HttpStatusCode.ServiceUnavailable);
        var failovers = await Problem.JsonAsync(await harness.GetAsync("/api/v1/failovers", ApiRole.Viewer));

        Assert.Contains("leadership: group engines: the coordinator has not answered yet (connection refused (test))", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        var group = failovers.GetProperty("groups").EnumerateArray().Single();
        Assert.Equal("the coordinator did not answer: connection refused (test)", group.GetProperty("error").GetString());
        Assert.False(group.TryGetProperty("leader", out _), "no leader is made up");
    }

    private static void Engines(BulwarkOptions options)
    {
        var failover = new FailoverOptions { Replica = "r1" };
        failover.Groups.Add(new FailoverGroupOptions { Name = "engines", LeaseSeconds = 2, RenewIntervalSeconds = 0.5, RetryIntervalSeconds = 0.1, SafetyMarginSeconds = 0.5 });
        options.Failover = failover;
    }

    /// <summary>A coordinator that never answers: every call fails as a refused connection does.</summary>
    private sealed class Unreachable : ILeaseCoordinator
    {
        private static readonly IOException Refused = new("connection refused (test)");

        public ValueTask<Lease?> TryAcquireAsync(string group, string holder, TimeSpan ttl, CancellationToken cancellationToken = default) => throw Refused;

        public ValueTask<bool> RenewAsync(Lease lease, CancellationToken cancellationToken = default) => throw Refused;

        public ValueTask ReleaseAsync(Lease lease, CancellationToken cancellationToken = default) => throw Refused;

        public ValueTask<LeaseRecord?> ReadAsync(string group, CancellationToken cancellationToken = default) => throw Refused;

        public ValueTask RequestHandoverAsync(string group, string target, TimeSpan window, CancellationToken cancellationToken = default) => throw Refused;

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
