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
}
