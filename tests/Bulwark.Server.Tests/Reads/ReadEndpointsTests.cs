using System.Net;
using System.Text.Json;
using Bulwark.Server.Auth;
using Bulwark.Trading;

namespace Bulwark.Server.Tests.Reads;

/// <summary>Every read endpoint on the real host: 401 without a key, 200 with a viewer key, and the parts not configured saying so.</summary>
public sealed class ReadEndpointsTests
{
    public static TheoryData<string> Reads() =>
    [
        "/api/v1/status", "/api/v1/components", "/api/v1/sla", "/api/v1/incidents", "/api/v1/failovers", "/api/v1/recoveries",
        "/api/v1/redundancy", "/api/v1/drills", "/api/v1/limits", "/api/v1/events",
    ];

    [Theory]
    [MemberData(nameof(Reads))]
    public async Task EveryRead_Is401WithoutAKey_401WithAWrongOne_And200WithAViewerKey(string path)
    {
        await using var harness = await ServerHarness.StartAsync();

        await Problem.ReadAsync(await harness.GetAsync(path), HttpStatusCode.Unauthorized);
        await Problem.ReadAsync(await harness.GetAsync(path, "bwk_CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC"), HttpStatusCode.Unauthorized);
        await Problem.JsonAsync(await harness.GetAsync(path, ApiRole.Viewer));
    }

    [Theory]
    [InlineData("/api/v1/failovers", "no failover: section")]
    [InlineData("/api/v1/recoveries", "no recovery: section")]
    [InlineData("/api/v1/redundancy", "no redundancy: section")]
    [InlineData("/api/v1/drills", "no redundancy: section")]
    [InlineData("/api/v1/limits", "no trading: section")]
    public async Task APartNotConfigured_SaysSo_AndNothingElse(string path, string reason)
    {
        await using var harness = await ServerHarness.StartAsync();

        var body = await Problem.JsonAsync(await harness.GetAsync(path, ApiRole.Viewer));

        Assert.False(body.GetProperty("configured").GetBoolean());
        Assert.Contains(reason, body.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Equal(["configured", "reason"], body.EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public async Task Sla_AndIncidents_AreTheLiveMonitorsReports()
    {
        await using var harness = await ServerHarness.StartAsync();

        var sla = await Problem.JsonAsync(await harness.GetAsync("/api/v1/sla", ApiRole.Viewer));
        var incidents = await Problem.JsonAsync(await harness.GetAsync("/api/v1/incidents?open=true", ApiRole.Viewer));

        Assert.True(sla.GetProperty("configured").GetBoolean());
        Assert.Equal(harness.System.ValidateAvailabilitySla().Slos.Select(s => s.Name), sla.GetProperty("slos").EnumerateArray().Select(s => s.GetProperty("name").GetString()));
        Assert.True(incidents.TryGetProperty("incidents", out _));
        Assert.True(incidents.TryGetProperty("last30Days", out _));
    }

    [Fact]
    public async Task Components_CarryTheirTransitionHistory()
    {
        await using var harness = await ServerHarness.StartAsync();
        harness.Beat();
        await Eventually.WaitUntilAsync(() => harness.System.Manager.GetState("engine") == SafetyState.Healthy, TimeSpan.FromSeconds(30), "healthy");

        var body = await Problem.JsonAsync(await harness.GetAsync("/api/v1/components?history=5", ApiRole.Viewer));

        var engine = body.GetProperty("components").EnumerateArray().Single();
        var last = engine.GetProperty("history").EnumerateArray().Last();
        Assert.Equal("Healthy", last.GetProperty("to").GetString());
        Assert.True(last.GetProperty("sequence").GetInt64() > 0);
        await Problem.ReadAsync(await harness.GetAsync("/api/v1/components?history=0", ApiRole.Viewer), HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task WithTrading_StatusShowsTheKillSwitch_AndLimitsTheFirmLimits()
    {
        await using var harness = await ServerHarness.StartAsync(options =>
        {
            var gate = new RiskGateOptions { Firm = GenerousLimits.Create() };
            gate.Accounts.Add("ACC1");
            gate.Strategies.Add("momo");
            gate.Instruments["XYZ"] = new InstrumentOptions { TickSize = 0.01 };
            options.Trading = gate;
        });
        await harness.System.Trading!.KillSwitch.EngageAsync(TradingScope.Firm, "alice", "drill of the kill switch");

        var status = await Problem.JsonAsync(await harness.GetAsync("/api/v1/status", ApiRole.Viewer));
        var limits = await Problem.JsonAsync(await harness.GetAsync("/api/v1/limits", ApiRole.Viewer));

        var trading = status.GetProperty("trading");
        Assert.True(trading.GetProperty("configured").GetBoolean());
        Assert.Equal("Halted", trading.GetProperty("state").GetString());
        var killSwitch = trading.GetProperty("killSwitches").EnumerateArray().Single();
        Assert.Equal("firm", killSwitch.GetProperty("scope").GetString());
        Assert.Equal("alice", killSwitch.GetProperty("engagedBy").GetString());
        Assert.Equal("drill of the kill switch", killSwitch.GetProperty("reason").GetString());
        Assert.Contains("killswitch", trading.GetProperty("scopes").EnumerateArray().Single(s => s.GetProperty("scope").GetString() == "firm")
            .GetProperty("heldBy").EnumerateArray().Select(h => h.GetString()));
        Assert.Equal(1_000_000, limits.GetProperty("limits").GetProperty("firm").GetProperty("maximumOrderQuantity").GetInt64());
    }

    [Fact]
    public async Task Events_PageForwardBySequence_UntilNoMore()
    {
        await using var harness = await ServerHarness.StartAsync();
        for (var i = 0; i < 5; i++)
        {
            await harness.System.Events.AppendAsync(new SafetyEvent { Time = TimeProvider.System.GetUtcNow(), Kind = "test.paging", Subject = "s" + (i % 2), Cause = "n" + i });
        }

        var seen = new List<string?>();
        long after = 0;
        for (var page = 0; page < 10; page++)
        {
            var body = await Problem.JsonAsync(await harness.GetAsync($"/api/v1/events?kind=test.&after={after}&limit=2", ApiRole.Viewer));
            var events = body.GetProperty("events").EnumerateArray().ToList();
            seen.AddRange(events.Select(e => e.GetProperty("cause").GetString()));
            Assert.True(events.Select(e => e.GetProperty("sequence").GetInt64()).All(s => s > after), "only events after the cursor");
            after = body.GetProperty("next").GetInt64();
            if (!body.GetProperty("more").GetBoolean())
            {
                break;
            }
        }

        Assert.Equal(["n0", "n1", "n2", "n3", "n4"], seen);
        var subject = await Problem.JsonAsync(await harness.GetAsync("/api/v1/events?kind=test.&subject=s1", ApiRole.Viewer));
        Assert.Equal(["n1", "n3"], subject.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("cause").GetString()));
        var recent = await Problem.JsonAsync(await harness.GetAsync("/api/v1/events?kind=test.&since=1h&limit=2", ApiRole.Viewer));
        Assert.Equal(["n3", "n4"], recent.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("cause").GetString()));
    }

    [Theory]
    [InlineData("/api/v1/events?limit=0", "limit")]
    [InlineData("/api/v1/events?limit=5000", "limit")]
    [InlineData("/api/v1/events?limit=ten", "limit")]
    [InlineData("/api/v1/events?after=-1", "after")]
    [InlineData("/api/v1/events?after=x", "after")]
    [InlineData("/api/v1/events?since=yesterday", "since")]
    [InlineData("/api/v1/incidents?open=perhaps", "open")]
    [InlineData("/api/v1/failovers?limit=-3", "limit")]
    public async Task ABadQuery_Is400_NamingTheParameter(string path, string parameter)
    {
        await using var harness = await ServerHarness.StartAsync();

        var problem = await Problem.ReadAsync(await harness.GetAsync(path, ApiRole.Viewer), HttpStatusCode.BadRequest);

        Assert.Equal(parameter, problem.GetProperty("field").GetString());
    }
}
