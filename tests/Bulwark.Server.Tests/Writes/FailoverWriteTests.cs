using System.Net;
using Bulwark.Failover;
using Bulwark.Server.Auth;

namespace Bulwark.Server.Tests.Writes;

/// <summary>
/// Switchover and drills with the right role: a real hand-over from the server's replica (a) to a second safety system
/// (replica b) on the same SQLite coordinator, audited; a drill's dry run listing what it would stop and stopping nothing.
/// </summary>
public sealed class FailoverWriteTests : IAsyncLifetime
{
    private readonly TempDirectory _other = new();
    private ServerHarness _harness = null!;
    private SafetySystem _b = null!;

    public async Task InitializeAsync()
    {
        _harness = await WriteServer.StartAsync(trading: false);
        await Eventually.WaitUntilAsync(() => _harness.System.Failover!.Electors.Single().IsLeader, TimeSpan.FromSeconds(30), "a leads orders");

        var options = new BulwarkOptions { DataDirectory = _other.Path };
        var component = new ComponentOptions { Name = "engine", Criticality = Criticality.Critical };
        component.Checks.Add(new CheckOptions { Type = CheckType.Heartbeat, Name = "beat", IntervalSeconds = 0.2, StaleAfterSeconds = 600 });
        options.Components.Add(component);
        options.Failover = new FailoverOptions { Replica = "b" };
        options.Failover.Coordinator.Path = Path.Combine(_harness.DataDirectory, "leases.db");
        options.Failover.Groups.Add(new FailoverGroupOptions { Name = WriteServer.Group });
        _b = SafetySystem.Create(options);
        await _b.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _b.DisposeAsync();
        await _harness.DisposeAsync();
        _other.Dispose();
    }

    [Fact]
    public async Task ASwitchover_HandsLeadershipToTheTarget_UnderALargerToken_AndIsAudited()
    {
        var before = _harness.System.Failover!.Electors.Single().Token!.Value.Value;

        var answer = await WriteServer.JsonAsync(await _harness.SendAsync("/api/v1/failover/switchover",
            """{"group":"orders","to":"b","reason":"patching a","timeoutSeconds":30}""", ApiRole.Operator));

        Assert.True(answer.GetProperty("completed").GetBoolean(), answer.ToString());
        Assert.Equal("a", answer.GetProperty("from").GetString());
        Assert.Equal(before, answer.GetProperty("tokenBefore").GetInt64());
        Assert.True(answer.GetProperty("tokenAfter").GetInt64() > before);
        Assert.True(_b.Failover!.Electors.Single().IsLeader);
        var audit = Assert.Single(await _harness.EventsAsync(FailoverEventKinds.SwitchoverRequested));
        Assert.StartsWith("operator-key (key ", audit.Actor, StringComparison.Ordinal);
        Assert.Equal("patching a", audit.Cause);
        Assert.Equal("b", audit.To);

        // To the replica that leads now: nothing to do, nothing recorded.
        var again = await WriteServer.JsonAsync(await _harness.SendAsync("/api/v1/failover/switchover", """{"group":"orders","to":"b","reason":"again"}""", ApiRole.Operator));
        Assert.True(again.GetProperty("alreadyLeading").GetBoolean());
        Assert.Single(await _harness.EventsAsync(FailoverEventKinds.SwitchoverRequested));
    }

    [Fact]
    public async Task ASwitchoverToAReplicaThatIsNotThere_Is409_AndTheLeaderLeadsAgain()
    {
        var problem = await Problem.ReadAsync(await _harness.SendAsync("/api/v1/failover/switchover",
            """{"group":"orders","to":"c","reason":"c is not running","timeoutSeconds":1}""", ApiRole.Operator), HttpStatusCode.Conflict);
        Assert.Contains("did not take over", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Single(await _harness.EventsAsync(FailoverEventKinds.SwitchoverRequested));
        await Eventually.WaitUntilAsync(() => _harness.System.Failover!.Electors.Single().IsLeader || _b.Failover!.Electors.Single().IsLeader,
            TimeSpan.FromSeconds(30), "someone leads once the request lapsed");
    }

    [Fact]
    public async Task ADrillDryRun_ListsWhatItWouldStop_AndStopsNothing()
    {
        var answer = await WriteServer.JsonAsync(await _harness.SendAsync("/api/v1/drills", """{"plan":"zone:a","dryRun":true}""", ApiRole.Operator));

        Assert.True(answer.GetProperty("dryRun").GetBoolean());
        Assert.Contains("e1", answer.GetProperty("steps")[0].GetString(), StringComparison.Ordinal);
        Assert.Empty(await _harness.EventsAsync(Bulwark.Server.Writes.PlanEndpoints.DrillRequested));
        Assert.Empty(await _harness.EventsAsync(Bulwark.Redundancy.RedundancyEventKinds.Drill));
    }

    [Fact]
    public async Task ADrill_IsAccepted_Audited_AndItsReportPollable()
    {
        // Zone b holds e2 only, with no process to stop: the drill refuses (it cannot count on a supervisor), and says so.
        var response = await _harness.SendAsync("/api/v1/drills", """{"plan":"zone:b","reason":"quarterly zone drill","timeoutSeconds":10}""", ApiRole.Operator);
        var accepted = await WriteServer.JsonAsync(response, HttpStatusCode.Accepted);
        Assert.Equal("drill", accepted.GetProperty("kind").GetString());
        var audit = Assert.Single(await _harness.EventsAsync(Bulwark.Server.Writes.PlanEndpoints.DrillRequested));
        Assert.StartsWith("operator-key (key ", audit.Actor, StringComparison.Ordinal);
        Assert.Equal("quarterly zone drill", audit.Cause);

        var status = "running";
        await Eventually.WaitUntilAsync(async () =>
        {
            var view = await WriteServer.JsonAsync(await _harness.GetAsync(response.Headers.Location!.ToString(), ApiRole.Viewer));
            status = view.GetProperty("status").GetString()!;
            return status != "running";
        }, TimeSpan.FromSeconds(60), "the drill ends");
        Assert.NotEqual("succeeded", status);
        Assert.Single(await _harness.EventsAsync(Bulwark.Redundancy.RedundancyEventKinds.Drill));
    }
}
