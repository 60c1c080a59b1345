using System.Text.Json;
using Bulwark.Tests.TestSupport;
using Microsoft.Extensions.Time.Testing;

namespace Bulwark.Tests.Health;

public sealed class SafetyManagerTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 25, 9, 0, 0, TimeSpan.Zero));
    private readonly InMemoryEventStore _store = new();

    private ManagerHarness Harness(params (string Name, Criticality Criticality, string[] Checks)[] components) =>
        new(ManagerHarness.Options(components), _store, _time);

    private List<SafetyEvent> Transitions(string subject) =>
        _store.Events.Where(e => e.Subject == subject && e.Kind is EventKinds.ComponentState or EventKinds.SystemState).ToList();

    [Fact]
    public async Task Component_FailsAtTheFailureThreshold_AndHealsAtTheSuccessThreshold()
    {
        await using var h = Harness(("web", Criticality.Critical, ["http"]));

        await h.ApplyAsync("web", "http", CheckStatus.Healthy);
        Assert.Equal(SafetyState.Unknown, h.Manager.GetState("web"));
        await h.ApplyAsync("web", "http", CheckStatus.Healthy);
        Assert.Equal(SafetyState.Healthy, h.Manager.GetState("web"));

        _time.Advance(TimeSpan.FromSeconds(5));
        await h.ApplyAsync("web", "http", CheckStatus.Unhealthy, "HTTP 503");
        await h.ApplyAsync("web", "http", CheckStatus.Unhealthy, "HTTP 503");
        Assert.Equal(SafetyState.Healthy, h.Manager.GetState("web"));
        await h.ApplyAsync("web", "http", CheckStatus.Unhealthy, "HTTP 503");
        Assert.Equal(SafetyState.Failed, h.Manager.GetState("web"));
        Assert.Equal(SafetyState.Failed, h.Manager.SystemState);

        await h.ApplyAsync("web", "http", CheckStatus.Healthy);
        Assert.Equal(SafetyState.Recovering, h.Manager.GetState("web"));
        Assert.Equal(SafetyState.Recovering, h.Manager.SystemState);
        await h.ApplyAsync("web", "http", CheckStatus.Healthy);
        Assert.Equal(SafetyState.Healthy, h.Manager.GetState("web"));

        var web = Transitions("web");
        Assert.Equal(
            ["Unknown->Healthy", "Healthy->Failed", "Failed->Recovering", "Recovering->Healthy"],
            web.Select(e => $"{e.From}->{e.To}"));
        Assert.Equal(_time.GetUtcNow().AddSeconds(-5), web[0].Time);
        Assert.Equal(_time.GetUtcNow(), web[1].Time);
        Assert.Contains("HTTP 503", web[1].Cause);
        Assert.Contains("3 consecutive failures", web[1].Cause);
        Assert.Equal(
            ["Unknown->Healthy", "Healthy->Failed", "Failed->Recovering", "Recovering->Healthy"],
            Transitions("system").Select(e => $"{e.From}->{e.To}"));
    }

    [Fact]
    public async Task Transition_CarriesTheCheckResultsAsEvidence()
    {
        await using var h = Harness(("db", Criticality.Critical, ["tcp", "process"]));
        for (var i = 0; i < 3; i++)
        {
            await h.ApplyAsync("db", "tcp", CheckStatus.Unhealthy, "connection refused");
        }

        var failing = Assert.Single(Transitions("db"));
        Assert.Equal("Critical", failing.To);
        using var evidence = JsonDocument.Parse(failing.Evidence!);
        var tcp = evidence.RootElement.EnumerateArray().Single(c => c.GetProperty("name").GetString() == "tcp");
        Assert.Equal("Failing", tcp.GetProperty("condition").GetString());
        Assert.Equal("connection refused", tcp.GetProperty("lastDescription").GetString());
        Assert.Equal(3, tcp.GetProperty("consecutiveFailures").GetInt32());
    }

    [Fact]
    public async Task SystemState_WithMixedCriticalities()
    {
        await using var h = Harness(
            ("engine", Criticality.Critical, ["heartbeat"]),
            ("cache", Criticality.Standard, ["tcp"]),
            ("reports", Criticality.Informational, ["http"]));
        foreach (var (component, check) in new[] { ("engine", "heartbeat"), ("cache", "tcp"), ("reports", "http") })
        {
            await h.ApplyAsync(component, check, CheckStatus.Healthy);
            await h.ApplyAsync(component, check, CheckStatus.Healthy);
        }

        Assert.Equal(SafetyState.Healthy, h.Manager.SystemState);

        for (var i = 0; i < 3; i++)
        {
            await h.ApplyAsync("reports", "http", CheckStatus.Unhealthy);
        }

        Assert.Equal(SafetyState.Failed, h.Manager.GetState("reports"));
        Assert.Equal(SafetyState.Healthy, h.Manager.SystemState);

        for (var i = 0; i < 3; i++)
        {
            await h.ApplyAsync("cache", "tcp", CheckStatus.Unhealthy);
        }

        Assert.Equal(SafetyState.Degraded, h.Manager.SystemState);

        for (var i = 0; i < 3; i++)
        {
            await h.ApplyAsync("engine", "heartbeat", CheckStatus.Unhealthy);
        }

        Assert.Equal(SafetyState.Failed, h.Manager.SystemState);
        Assert.Equal(["Unknown->Healthy", "Healthy->Degraded", "Degraded->Failed"], Transitions("system").Select(e => $"{e.From}->{e.To}"));
    }

    [Fact]
    public async Task Transition_IsReportedOnlyAfterItIsStored()
    {
        await using var h = Harness(("web", Criticality.Critical, ["http"]));
        var seen = new List<(SafetyEvent Event, bool InStore)>();
        h.Manager.Transitioned += e => seen.Add((e, _store.Events.Any(s => s.Sequence == e.Sequence && s.Sequence > 0)));

        await h.ApplyAsync("web", "http", CheckStatus.Healthy);
        await h.ApplyAsync("web", "http", CheckStatus.Healthy);

        Assert.Equal(2, seen.Count); // the component, then the system
        Assert.All(seen, s => Assert.True(s.InStore, $"{s.Event.Kind} was reported before it was stored"));
    }

    [Fact]
    public async Task StoreFailure_HoldsTheSystemAtCritical_UntilAnAppendSucceeds()
    {
        await using var h = Harness(("web", Criticality.Critical, ["http"]));
        await h.ApplyAsync("web", "http", CheckStatus.Healthy);
        await h.ApplyAsync("web", "http", CheckStatus.Healthy);
        Assert.Equal(SafetyState.Healthy, h.Manager.SystemState);

        _store.FailAppendsWith = new IOException("disk full");
        var reported = new List<SafetyEvent>();
        h.Manager.Transitioned += reported.Add;
        for (var i = 0; i < 3; i++)
        {
            await h.ApplyAsync("web", "http", CheckStatus.Unhealthy);
        }

        // The failure is still reported to subscribers (sequence 0: not recorded).
        Assert.Contains(reported, e => e.Subject == "web" && e.To == "Failed" && e.Sequence == 0);
        Assert.Equal("disk full", h.Manager.GetStatus().StoreFault);

        await h.ApplyAsync("web", "http", CheckStatus.Healthy);
        await h.ApplyAsync("web", "http", CheckStatus.Healthy);
        Assert.Equal(SafetyState.Healthy, h.Manager.GetState("web"));
        Assert.Equal(SafetyState.Critical, h.Manager.SystemState);

        _store.FailAppendsWith = null;
        await h.ApplyAsync("web", "http", CheckStatus.Unhealthy);
        await h.ApplyAsync("web", "http", CheckStatus.Unhealthy);
        await h.ApplyAsync("web", "http", CheckStatus.Unhealthy);
        Assert.Null(h.Manager.GetStatus().StoreFault);
        Assert.Equal(SafetyState.Failed, h.Manager.SystemState);
    }

    [Fact]
    public async Task ReportHeartbeat_UnknownComponent_NamesIt()
    {
        await using var h = Harness(("web", Criticality.Critical, ["http"]));
        var error = Assert.Throws<ArgumentException>(() => h.Manager.ReportHeartbeat("wbe"));
        Assert.Contains("'wbe'", error.Message);
        Assert.Contains("web", error.Message);
    }
}
