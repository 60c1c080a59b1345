using System.Diagnostics;
using System.Text.Json;
using Bulwark.Storage;

namespace Bulwark.Cli.Tests.Commands;

/// <summary><c>bulwark sla</c> and <c>bulwark incidents</c> over a store seeded with a known history.</summary>
public sealed class AvailabilityCommandsTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly DateTimeOffset _now = TimeProvider.System.GetUtcNow();

    private async Task SeedAsync()
    {
        // Started 2 h ago, web healthy, down for 12 min an hour ago, then healthy; the run stopped cleanly just now.
        await using var store = await SqliteEventStore.OpenAsync(_dir.File(BulwarkDefaults.DatabaseFileName));
        var start = _now - TimeSpan.FromHours(2);
        await store.AppendAsync(new SafetyEvent
        {
            Time = start, Kind = EventKinds.Started, Subject = "system",
            Evidence = """{"components":[{"name":"web","criticality":"Critical","checks":["http"]}]}""",
        });
        await store.AppendAsync(Transition(start, "web", "Unknown", "Healthy"));
        await store.AppendAsync(Transition(start, "system", "Unknown", "Healthy"));
        await store.AppendAsync(Transition(_now - TimeSpan.FromHours(1), "web", "Healthy", "Failed"));
        await store.AppendAsync(Transition(_now - TimeSpan.FromHours(1), "system", "Healthy", "Failed"));
        await store.AppendAsync(Transition(_now - TimeSpan.FromMinutes(48), "web", "Failed", "Healthy"));
        await store.AppendAsync(Transition(_now - TimeSpan.FromMinutes(48), "system", "Failed", "Healthy"));
        await store.AppendAsync(new SafetyEvent { Time = _now, Kind = EventKinds.Stopped, Subject = "system" });
    }

    private static SafetyEvent Transition(DateTimeOffset at, string subject, string from, string to) => new()
    {
        Time = at,
        Kind = subject == "system" ? EventKinds.SystemState : EventKinds.ComponentState,
        Subject = subject,
        From = from,
        To = to,
        Cause = "test",
    };

    [Fact]
    public async Task Sla_Json_ComputesEachSloFromTheLog()
    {
        await SeedAsync();
        var (exit, stdout, stderr) = await CliRunner.RunAsync("sla", "--data-dir", _dir.Path, "--json");
        Assert.True(exit == 0, stderr);
        using var doc = JsonDocument.Parse(stdout);
        Assert.False(doc.RootElement.GetProperty("slaMet").GetBoolean());
        var slos = doc.RootElement.GetProperty("slos").EnumerateArray().ToList();
        Assert.Equal(["system", "web"], slos.Select(s => s.GetProperty("name").GetString()));
        var web = slos[1];
        Assert.Equal(1 - (12.0 / 120.0), web.GetProperty("currentAvailability").GetDouble(), 3);
        Assert.Equal("00:12:00", web.GetProperty("budgetConsumed").GetString()![..8]);
        Assert.Equal(0, web.GetProperty("burnRates").GetProperty("30m").GetDouble());      // the last 30 min were good
        Assert.Equal(200, web.GetProperty("burnRates").GetProperty("1h").GetDouble(), 0); // (12/60) / 0.001
    }

    [Fact]
    public async Task Sla_Text_SaysWhetherTheSlaIsMet()
    {
        await SeedAsync();
        var (exit, stdout, _) = await CliRunner.RunAsync("sla", "--data-dir", _dir.Path);
        Assert.Equal(0, exit);
        Assert.Contains("AVAILABILITY", stdout);
        Assert.Contains("90.000%", stdout);
        Assert.Contains("SLA NOT met.", stdout);
    }

    [Fact]
    public async Task Incidents_ListAcknowledgeAndResolve()
    {
        await SeedAsync();
        var (_, listed, _) = await CliRunner.RunAsync("incidents", "--data-dir", _dir.Path, "--json");
        using (var doc = JsonDocument.Parse(listed))
        {
            var incidents = doc.RootElement.GetProperty("incidents").EnumerateArray().ToList();
            Assert.Equal(2, incidents.Count); // web and system, each resolved when healthy again
            Assert.All(incidents, i => Assert.Equal("bulwark", i.GetProperty("resolvedBy").GetString()));
            Assert.Equal("00:12:00", doc.RootElement.GetProperty("last30Days").GetProperty("mttr").GetString()![..8]);
        }

        // A new failure, still open: acknowledge, then resolve by hand.
        await using (var store = await SqliteEventStore.OpenAsync(_dir.File(BulwarkDefaults.DatabaseFileName)))
        {
            await store.AppendAsync(new SafetyEvent { Time = _now, Kind = EventKinds.Started, Subject = "system" });
            await store.AppendAsync(Transition(_now, "web", "Unknown", "Failed"));
        }

        var (_, openJson, _) = await CliRunner.RunAsync("incidents", "--data-dir", _dir.Path, "--open", "--json");
        string id;
        using (var doc = JsonDocument.Parse(openJson))
        {
            id = doc.RootElement.GetProperty("incidents").EnumerateArray().Single().GetProperty("id").GetString()!;
        }

        Assert.Equal(0, (await CliRunner.RunAsync("incidents", "ack", id, "--by", "alice", "--note", "on it", "--data-dir", _dir.Path)).ExitCode);
        var resolved = await CliRunner.RunAsync("incidents", "resolve", id, "--by", "alice", "--note", "gateway restarted", "--data-dir", _dir.Path);
        Assert.True(resolved.ExitCode == 0, resolved.Stderr);

        var (_, after, _) = await CliRunner.RunAsync("incidents", "--data-dir", _dir.Path, "--json");
        using (var doc = JsonDocument.Parse(after))
        {
            var incident = doc.RootElement.GetProperty("incidents").EnumerateArray().First(i => i.GetProperty("id").GetString() == id);
            Assert.Equal("alice", incident.GetProperty("acknowledgedBy").GetString());
            Assert.Equal("alice", incident.GetProperty("resolvedBy").GetString());
        }

        var again = await CliRunner.RunAsync("incidents", "resolve", id, "--by", "bob", "--note", "x", "--data-dir", _dir.Path);
        Assert.Equal(2, again.ExitCode);
        Assert.Contains("already resolved", again.Stderr);
    }

    [Theory]
    [InlineData("INC-999", "--by", "alice", "no incident 'INC-999'")]
    [InlineData("INC-4", "--by", " ", "--by: must not be empty")]
    public async Task IncidentAction_BadInput_ExitsWith2AndNamesIt(string id, string option, string value, string message)
    {
        await SeedAsync();
        var (exit, _, stderr) = await CliRunner.RunAsync("incidents", "ack", id, option, value, "--note", "n", "--data-dir", _dir.Path);
        Assert.Equal(2, exit);
        Assert.Contains(message, stderr);
    }

    [Fact]
    public async Task IncidentAction_WithoutBy_IsAUsageError()
    {
        await SeedAsync();
        var (exit, _, stderr) = await CliRunner.RunAsync("incidents", "ack", "INC-4", "--note", "n", "--data-dir", _dir.Path);
        Assert.Equal(2, exit);
        Assert.Contains("--by", stderr);
    }

    /// <summary>
    /// Started 2 h ago and healthy, web (critical) failed for the last 30 min: a burn of about 500x over 1 h. The run
    /// died a minute ago without recording its stop; alertFired says whether it fired the page before it did.
    /// </summary>
    private async Task SeedBurningAsync(bool alertFired)
    {
        await using var store = await SqliteEventStore.OpenAsync(_dir.File(BulwarkDefaults.DatabaseFileName));
        var start = _now - TimeSpan.FromHours(2);
        await store.AppendAsync(new SafetyEvent
        {
            Time = start, Kind = EventKinds.Started, Subject = "system",
            Evidence = """{"components":[{"name":"web","criticality":"Critical","checks":["http"]}]}""",
        });
        await store.AppendAsync(Transition(start, "web", "Unknown", "Healthy"));
        await store.AppendAsync(Transition(start, "system", "Unknown", "Healthy"));
        await store.AppendAsync(Transition(_now - TimeSpan.FromMinutes(30), "web", "Healthy", "Failed"));
        await store.AppendAsync(Transition(_now - TimeSpan.FromMinutes(30), "system", "Healthy", "Failed"));
        if (alertFired)
        {
            await store.AppendAsync(new SafetyEvent
            {
                Time = _now - TimeSpan.FromMinutes(25), Kind = Availability.AvailabilityEventKinds.AlertFired, Subject = "web", Cause = "page-1h-5m", Actor = "bulwark",
            });
        }

        await store.WriteStatusAsync(new StatusReport { UpdatedAt = _now - TimeSpan.FromMinutes(1), System = SafetyState.Failed, SystemSince = _now - TimeSpan.FromMinutes(30), ProcessId = 4242, Components = [] });
    }

    [Fact]
    public async Task Sla_ABurningBudgetNobodyAlertedOn_ShowsTheAlertAsDueNotFired()
    {
        await SeedBurningAsync(alertFired: false);

        var (exit, stdout, stderr) = await CliRunner.RunAsync("sla", "--data-dir", _dir.Path);

        Assert.True(exit == 0, stderr);
        Assert.Contains("page-1h-5m (due, not fired: no evaluator running)", stdout);
        var line = Assert.Single(stdout.Split('\n'), l => l.StartsWith("ALERT web/page-1h-5m (page) due, not fired: no evaluator running: burn rate 4", StringComparison.Ordinal));
        Assert.Contains("x over 1h and 1000x over 5m, above 14.4x; nobody was alerted: start 'bulwark run'", line);

        var (_, json, _) = await CliRunner.RunAsync("sla", "--data-dir", _dir.Path, "--json");
        using var doc = JsonDocument.Parse(json);
        Assert.False(doc.RootElement.GetProperty("evaluatorRunning").GetBoolean());
        Assert.Contains("web/page-1h-5m", doc.RootElement.GetProperty("dueNotFired").EnumerateArray().Select(e => e.GetString()));
        Assert.Empty(doc.RootElement.GetProperty("activeAlerts").EnumerateArray());
        var web = doc.RootElement.GetProperty("slos").EnumerateArray().Single(s => s.GetProperty("name").GetString() == "web");
        var due = web.GetProperty("dueAlerts").EnumerateArray().Single(a => a.GetProperty("policy").GetString() == "page-1h-5m");
        Assert.False(due.GetProperty("fired").GetBoolean());
        Assert.InRange(due.GetProperty("longRate").GetDouble(), 450, 510); // 29 of 59 observed minutes bad, over 0.001
    }

    [Fact]
    public async Task Sla_AnAlertThatWasFired_IsActive_NotDueNotFired()
    {
        await SeedBurningAsync(alertFired: true);

        var (exit, json, stderr) = await CliRunner.RunAsync("sla", "--data-dir", _dir.Path, "--json");

        Assert.True(exit == 0, stderr);
        using var doc = JsonDocument.Parse(json);
        Assert.Contains("web/page-1h-5m", doc.RootElement.GetProperty("activeAlerts").EnumerateArray().Select(e => e.GetString()));
        Assert.DoesNotContain("web/page-1h-5m", doc.RootElement.GetProperty("dueNotFired").EnumerateArray().Select(e => e.GetString()));
        var (_, text, _) = await CliRunner.RunAsync("sla", "--data-dir", _dir.Path);
        Assert.DoesNotContain("ALERT web/page-1h-5m", text);
    }

    [Fact]
    public async Task SloRules_FollowTheConfiguredSlos_AndPassPromtool()
    {
        var config = _dir.File("bulwark.yaml");
        await File.WriteAllTextAsync(config, SampleConfigurations.Valid + """
            availability:
              slos:
                - name: gateway-uptime
                  subject: gateway
                  objective: 0.9995
                  windowDays: 7
                - name: trading-path
                  components: [gateway, strategy]
                - name: order-acks
                  sli: events

            """);

        var (exit, rules, stderr) = await CliRunner.RunAsync("slo", "rules", "--config", config);

        Assert.True(exit == 0, stderr);
        Assert.Contains("slo: 'gateway-uptime'", rules);
        Assert.Contains("bulwark_component_state{component=\"gateway\"}", rules);
        // Page 1 h of a 7-day SLO: 2 % of the budget in 1 h is a burn of 0.02 x 168 = 3.36; x (1 - 0.9995) = 0.00168.
        Assert.Contains("bulwark_slo:sli_error:ratio_rate1h{slo=\"gateway-uptime\"} > 0.00168", rules);
        Assert.Contains("component=~\"gateway|strategy\"", rules);
        Assert.Contains("# SLO order-acks: an events SLI", rules);
        Assert.DoesNotContain("bulwark-slo-system", rules); // configured SLOs replace the defaults
        var (promtoolExit, output) = await PromtoolCheckAsync(rules);
        Assert.True(promtoolExit == 0, output);
        Assert.Contains("SUCCESS: 20 rules found", output); // two time SLOs: 8 recording + 2 alerting rules each
    }

    [Fact]
    public async Task SloRules_WithoutConfiguredSlos_AreTheDefaults()
    {
        var config = _dir.File("bulwark.yaml");
        await File.WriteAllTextAsync(config, SampleConfigurations.Valid);

        var (exit, rules, stderr) = await CliRunner.RunAsync("slo", "rules", "--config", config);

        Assert.True(exit == 0, stderr);
        Assert.Contains("name: bulwark-slo-system", rules);
        Assert.Contains("name: bulwark-slo-gateway", rules);      // critical
        Assert.DoesNotContain("name: bulwark-slo-strategy", rules); // standard: no default SLO
        Assert.Contains("bulwark_slo:sli_error:ratio_rate1h{slo=\"system\"} > 0.0144", rules);
        var (promtoolExit, output) = await PromtoolCheckAsync(rules);
        Assert.True(promtoolExit == 0, output);
    }

    private async Task<(int ExitCode, string Output)> PromtoolCheckAsync(string rules)
    {
        const string promtool = "/usr/bin/promtool";
        Assert.True(File.Exists(promtool), $"{promtool} is missing: install the Debian package 'prometheus' (scripts/test.sh does)");
        var path = _dir.File("rules.yaml");
        await File.WriteAllTextAsync(path, rules);
        var info = new ProcessStartInfo(promtool) { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add("check");
        info.ArgumentList.Add("rules");
        info.ArgumentList.Add(path);
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr);
    }

    public void Dispose() => _dir.Dispose();
}
