using System.Net;
using Bulwark.Server.Auth;

namespace Bulwark.Server.Tests.Writes;

/// <summary>
/// Every write and gate endpoint: 401 without a key, 403 for each role below the one it needs, success with that role,
/// and for the writes the audit event naming the key's owner and the reason.
/// </summary>
public sealed class WriteRoleTests(WriteServerFixture fixture) : IClassFixture<WriteServerFixture>
{
    private ServerHarness Harness => fixture.Harness;

    /// <summary>Path, method, body, the least role, the status it answers with.</summary>
    public static TheoryData<string, string, string, string> Endpoints() => new()
    {
        { "POST", "/api/v1/kill-switch", """{"scope":"symbol:XYZ","engage":true,"reason":"role test"}""", "engine" },
        { "POST", "/api/v1/incidents/INC-0/ack", """{"note":"role test"}""", "operator" },
        { "POST", "/api/v1/incidents/INC-0/resolve", """{"note":"role test"}""", "operator" },
        { "POST", "/api/v1/recoveries", """{"plan":"noop","dryRun":true}""", "operator" },
        { "POST", "/api/v1/drills", """{"plan":"zone:a","dryRun":true}""", "operator" },
        { "POST", "/api/v1/failover/switchover", """{"group":"orders","to":"a","reason":"role test"}""", "operator" },
        { "PUT", "/api/v1/limits", WriteServer.LimitsDocument(), "admin" },
        { "POST", "/api/v1/orders/check", """{"account":"ACC1","strategy":"momo","symbol":"XYZ","side":"buy","quantity":1,"price":10,"clientOrderId":900001}""", "engine" },
        { "POST", "/api/v1/executions", """{"type":"ack","clientOrderId":900001}""", "engine" },
        { "POST", "/api/v1/marks", """{"symbol":"XYZ","price":10}""", "engine" },
    };

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task NoKey_Is401(string method, string path, string body, string needed)
    {
        _ = needed;
        var problem = await Problem.ReadAsync(await Harness.SendAsync(path, body, role: null, new HttpMethod(method)), HttpStatusCode.Unauthorized);
        Assert.Contains("Bearer", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task EveryRoleBelowTheNeededOne_Is403_AndChangesNothing(string method, string path, string body, string needed)
    {
        Assert.True(ApiRoles.TryParse(needed, out var role));
        var before = await Harness.StateAsync();
        foreach (var weaker in ApiRoles.All.Where(r => r < role))
        {
            var problem = await Problem.ReadAsync(await Harness.SendAsync(path, body, weaker, new HttpMethod(method)), HttpStatusCode.Forbidden);
            Assert.Contains($"needs the {needed} role", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        Assert.Equal(before, await Harness.StateAsync());
    }

    [Fact]
    public async Task AnEngine_MayEngageAKillSwitch_ButNeverRelease()
    {
        var engaged = await WriteServer.JsonAsync(await Harness.SendAsync("/api/v1/kill-switch", """{"scope":"strategy:momo","engage":true,"reason":"engine saw a runaway"}""", ApiRole.Engine));
        Assert.True(engaged.GetProperty("engaged").GetBoolean());

        var problem = await Problem.ReadAsync(
            await Harness.SendAsync("/api/v1/kill-switch", """{"scope":"strategy:momo","engage":false,"reason":"engine wants to trade"}""", ApiRole.Engine), HttpStatusCode.Forbidden);
        Assert.Equal("engage", problem.GetProperty("field").GetString());
        Assert.Contains("operator", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.True(Harness.System.Trading!.KillSwitch.IsEngaged(Bulwark.Trading.TradingScope.ForStrategy("momo")));
        Assert.DoesNotContain(await Harness.EventsAsync(Bulwark.Trading.TradingEventKinds.KillSwitchReleased), e => e.Subject == "strategy:momo");

        var released = await WriteServer.JsonAsync(await Harness.SendAsync("/api/v1/kill-switch", """{"scope":"strategy:momo","engage":false,"reason":"runaway fixed"}""", ApiRole.Operator));
        Assert.False(released.GetProperty("engaged").GetBoolean());
        var audit = Assert.Single(await Harness.EventsAsync(Bulwark.Trading.TradingEventKinds.KillSwitchReleased), e => e.Subject == "strategy:momo");
        Assert.StartsWith("operator-key (key ", audit.Actor, StringComparison.Ordinal);
        Assert.Equal("runaway fixed", audit.Cause);
        var engage = Assert.Single(await Harness.EventsAsync(Bulwark.Trading.TradingEventKinds.KillSwitchEngaged), e => e.Subject == "strategy:momo");
        Assert.StartsWith("engine-key (key ", engage.Actor, StringComparison.Ordinal);
        Assert.Equal("engine saw a runaway", engage.Cause);
    }

    [Fact]
    public async Task IncidentAckAndResolve_AreAudited_AndTheIncidentChanges()
    {
        var id = await Harness.OpenIncidentAsync("failover:roles");

        var ack = await WriteServer.JsonAsync(await Harness.SendAsync($"/api/v1/incidents/{id}/ack", """{"note":"on it"}""", ApiRole.Operator));
        Assert.True(ack.GetProperty("open").GetBoolean());
        Assert.StartsWith("operator-key (key ", ack.GetProperty("acknowledgedBy").GetString(), StringComparison.Ordinal);
        var resolve = await WriteServer.JsonAsync(await Harness.SendAsync($"/api/v1/incidents/{id}/resolve", """{"note":"leader back, lease TTL raised"}""", ApiRole.Admin));
        Assert.False(resolve.GetProperty("open").GetBoolean());

        var acked = Assert.Single(await Harness.EventsAsync(Bulwark.Availability.AvailabilityEventKinds.IncidentAcknowledged), e => e.Subject == id);
        Assert.StartsWith("operator-key (key ", acked.Actor, StringComparison.Ordinal);
        Assert.Equal("on it", acked.Cause);
        var resolved = Assert.Single(await Harness.EventsAsync(Bulwark.Availability.AvailabilityEventKinds.IncidentResolved), e => e.Subject == id);
        Assert.StartsWith("admin-key (key ", resolved.Actor, StringComparison.Ordinal);
        Assert.Equal("leader back, lease TTL raised", resolved.Cause);
        Assert.False(Harness.System.Availability.GetIncidents().Single(i => i.Id == id).IsOpen);

        // Resolved once: a second resolve is a conflict, and records nothing.
        await Problem.ReadAsync(await Harness.SendAsync($"/api/v1/incidents/{id}/resolve", """{"note":"again"}""", ApiRole.Operator), HttpStatusCode.Conflict);
        Assert.Single(await Harness.EventsAsync(Bulwark.Availability.AvailabilityEventKinds.IncidentResolved), e => e.Subject == id);
        await Problem.ReadAsync(await Harness.SendAsync("/api/v1/incidents/INC-999999/ack", """{"note":"x"}""", ApiRole.Operator), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task ConcurrentResolves_OfOneIncident_RecordOneResolve()
    {
        var id = await Harness.OpenIncidentAsync("failover:race");

        var answers = await Task.WhenAll(Enumerable.Range(0, 8).Select(i =>
            Harness.SendAsync($"/api/v1/incidents/{id}/resolve", $$"""{"note":"racer {{i}}"}""", ApiRole.Operator)));

        Assert.Single(answers, a => a.StatusCode == HttpStatusCode.OK);
        Assert.All(answers.Where(a => a.StatusCode != HttpStatusCode.OK), a => Assert.Equal(HttpStatusCode.Conflict, a.StatusCode));
        Assert.Single(await Harness.EventsAsync(Bulwark.Availability.AvailabilityEventKinds.IncidentResolved), e => e.Subject == id);
    }

    [Fact]
    public async Task AnUnknownOperation_Is404NamingIt()
    {
        var problem = await Problem.ReadAsync(await Harness.GetAsync("/api/v1/operations/OP-424242", ApiRole.Viewer), HttpStatusCode.NotFound);
        Assert.Equal("id", problem.GetProperty("field").GetString());
        await Problem.ReadAsync(await Harness.GetAsync("/api/v1/operations/OP-1"), HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task PutLimits_ByAnAdmin_IsAppliedAndAudited()
    {
        var before = Harness.System.Trading!.Gate.GetOptions().Firm.MaximumOrderQuantity;
        Assert.Equal(1000, before);
        var answer = await WriteServer.JsonAsync(await Harness.SendAsync("/api/v1/limits", WriteServer.LimitsDocument("open auction sizes", "1500"), ApiRole.Admin, HttpMethod.Put));
        Assert.True(answer.GetProperty("applied").GetBoolean());
        Assert.Equal(1500, Harness.System.Trading.Gate.GetOptions().Firm.MaximumOrderQuantity);

        var audit = Assert.Single(await Harness.EventsAsync(Bulwark.Trading.TradingEventKinds.LimitsChanged), e => e.Cause == "open auction sizes");
        Assert.StartsWith("admin-key (key ", audit.Actor, StringComparison.Ordinal);

        // And the gate uses them: 1,200 passes now (it would not have under 1,000).
        var decision = await WriteServer.JsonAsync(await Harness.SendAsync("/api/v1/orders/check",
            """{"account":"ACC1","strategy":"momo","symbol":"XYZ","side":"buy","quantity":1200,"price":10,"clientOrderId":910001}""", ApiRole.Engine));
        Assert.True(decision.GetProperty("accepted").GetBoolean(), decision.ToString());
        Assert.True((await Harness.SendAsync("/api/v1/limits", WriteServer.LimitsDocument("back to normal", "1000"), ApiRole.Admin, HttpMethod.Put)).IsSuccessStatusCode);

        // A change the running gate cannot take is refused whole, and the refusal is audited too (as SIGHUP's is).
        var refused = await Problem.ReadAsync(await Harness.SendAsync("/api/v1/limits",
            WriteServer.LimitsDocument("more capacity", "1000").Replace("4096", "8192", StringComparison.Ordinal), ApiRole.Admin, HttpMethod.Put), HttpStatusCode.BadRequest);
        Assert.Equal("trading.orderCapacity", refused.GetProperty("field").GetString());
        var refusal = Assert.Single(await Harness.EventsAsync(Bulwark.Trading.TradingEventKinds.LimitsChangeRefused), e => e.Cause == "more capacity");
        Assert.StartsWith("admin-key (key ", refusal.Actor, StringComparison.Ordinal);
        Assert.Equal(1000, Harness.System.Trading.Gate.GetOptions().Firm.MaximumOrderQuantity);
        await WriteServer.JsonAsync(await Harness.SendAsync("/api/v1/executions", """{"type":"cancel","clientOrderId":910001}""", ApiRole.Engine));
    }

    [Fact]
    public async Task ARecoveryRun_IsAccepted_Audited_AndPollable()
    {
        var response = await Harness.SendAsync("/api/v1/recoveries", """{"plan":"noop","reason":"role test run"}""", ApiRole.Operator);
        var accepted = await WriteServer.JsonAsync(response, HttpStatusCode.Accepted);
        var location = response.Headers.Location!.ToString();
        Assert.Equal($"/api/v1/operations/{accepted.GetProperty("id").GetString()}", location);

        var requested = Assert.Single(await Harness.EventsAsync(RecoveryEventKindsRequested), e => e.Cause!.Contains("role test run", StringComparison.Ordinal));
        Assert.StartsWith("operator-key (key ", requested.Actor, StringComparison.Ordinal);

        var status = "running";
        await Eventually.WaitUntilAsync(async () => (status = await PollAsync(location)) != "running", TimeSpan.FromSeconds(60), "the recovery run finishes");
        Assert.Equal("succeeded", status);
    }

    private const string RecoveryEventKindsRequested = Bulwark.Recovery.RecoveryEventKinds.Requested;

    private async Task<string> PollAsync(string location)
    {
        var view = await WriteServer.JsonAsync(await Harness.GetAsync(location, ApiRole.Viewer));
        return view.GetProperty("status").GetString()!;
    }
}
