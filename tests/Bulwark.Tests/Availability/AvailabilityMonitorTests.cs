using Bulwark.Availability;
using Microsoft.Extensions.Time.Testing;

namespace Bulwark.Tests.Availability;

public sealed class AvailabilityMonitorTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider _time = new(T0);
    private long _sequence;

    private AvailabilityMonitor Monitor(double objective = 0.999, TimeSpan? window = null) =>
        new([new SloDefinition("web", "web", objective, window ?? TimeSpan.FromDays(30))],
            new Dictionary<string, Criticality> { ["web"] = Criticality.Critical },
            _time);

    private void Lifecycle(AvailabilityMonitor monitor, string kind, string? evidence = null) =>
        monitor.Apply(new SafetyEvent { Sequence = ++_sequence, Time = _time.GetUtcNow(), Kind = kind, Subject = "system", Evidence = evidence });

    private void State(AvailabilityMonitor monitor, SafetyState from, SafetyState to, string subject = "web") =>
        monitor.Apply(new SafetyEvent
        {
            Sequence = ++_sequence,
            Time = _time.GetUtcNow(),
            Kind = subject == "system" ? EventKinds.SystemState : EventKinds.ComponentState,
            Subject = subject,
            From = from.ToString(),
            To = to.ToString(),
            Cause = "test",
        });

    [Theory]
    [InlineData(30, 43 * 60 + 12)]            // 99.9 % over 30 days: 43 min 12 s
    [InlineData(365, (8 * 3600) + (45 * 60) + 36)] // over a 365-day year: 8 h 45 min 36 s
    public void ErrorBudget_At999_IsTheWorkbookFigure(int days, int seconds)
    {
        var monitor = Monitor(window: TimeSpan.FromDays(days));
        _time.Advance(TimeSpan.FromDays(days));
        var slo = monitor.ValidateAvailabilitySla().Slos.Single();
        Assert.Equal(TimeSpan.FromSeconds(seconds), slo.ErrorBudget);
    }

    [Fact]
    public void ValidateAvailabilitySla_OnAHandBuiltHistory()
    {
        var monitor = Monitor();
        Lifecycle(monitor, EventKinds.Started);
        _time.Advance(TimeSpan.FromMinutes(1));        // unknown: started, no evidence yet
        State(monitor, SafetyState.Unknown, SafetyState.Healthy);
        _time.Advance(TimeSpan.FromDays(10));
        State(monitor, SafetyState.Healthy, SafetyState.Failed);
        _time.Advance(TimeSpan.FromMinutes(30));
        State(monitor, SafetyState.Failed, SafetyState.Healthy);
        _time.Advance(TimeSpan.FromDays(1));

        var report = monitor.ValidateAvailabilitySla();
        var slo = report.Slos.Single();
        var observed = TimeSpan.FromDays(11) + TimeSpan.FromMinutes(30);
        Assert.Equal(1 - (30.0 / observed.TotalMinutes), slo.CurrentAvailability!.Value, 12);
        Assert.Equal(TimeSpan.FromMinutes(30), slo.BudgetConsumed);
        Assert.Equal(TimeSpan.FromSeconds(2592) - TimeSpan.FromMinutes(30), slo.ErrorBudgetRemaining);
        Assert.Equal((2592 - 1800) / 2592.0, slo.ErrorBudgetRemainingRatio, 12);
        Assert.Equal(TimeSpan.FromDays(30) - observed, slo.Unknown);  // before the start and the first minute
        Assert.False(slo.SlaMet);                                       // 99.81 % < 99.9 %
        Assert.False(report.SlaMet);
        Assert.Equal(slo.CurrentAvailability, report.CurrentAvailability);
    }

    [Fact]
    public void ValidateAvailabilitySla_Overall_IsTheTightestSlo_WithTheHighestBurnRatesAndEveryAlert()
    {
        var monitor = new AvailabilityMonitor(
            [new SloDefinition("web", "web", 0.999, TimeSpan.FromDays(30)), new SloDefinition("api", "api", 0.99, TimeSpan.FromDays(7))],
            new Dictionary<string, Criticality> { ["web"] = Criticality.Critical, ["api"] = Criticality.Standard },
            _time);
        Lifecycle(monitor, EventKinds.Started);
        State(monitor, SafetyState.Unknown, SafetyState.Healthy, "web");
        State(monitor, SafetyState.Unknown, SafetyState.Healthy, "api");
        _time.Advance(TimeSpan.FromDays(2) - TimeSpan.FromHours(1));
        State(monitor, SafetyState.Healthy, SafetyState.Failed, "api");   // api: 10 min bad, an hour ago
        _time.Advance(TimeSpan.FromMinutes(10));
        State(monitor, SafetyState.Failed, SafetyState.Healthy, "api");
        _time.Advance(TimeSpan.FromMinutes(20));
        State(monitor, SafetyState.Healthy, SafetyState.Failed, "web");   // web: bad for the last 30 min
        _time.Advance(TimeSpan.FromMinutes(30));
        ApplyAlerts(monitor);

        var report = monitor.ValidateAvailabilitySla();

        // web: 1,800 s of its 2,592 s budget spent (30.6 % left); api: 600 s of 6,048 s (90.1 % left).
        Assert.Equal("web", report.TightestSlo);
        Assert.Equal(0.999, report.Target);
        Assert.Equal(TimeSpan.FromDays(30), report.Window);
        Assert.Equal((2592 - 1800) / 2592.0, report.ErrorBudgetRemainingRatio!.Value, 9);
        // Over 1 h: web (30/60) / 0.001 = 500, api (10/60) / 0.01 = 16.7; over 30 m only web burns (1,000).
        Assert.Equal(500, report.BurnRates["1h"], 6);
        Assert.Equal(1000, report.BurnRates["30m"], 6);
        Assert.Contains("web/page-1h-5m", report.ActiveAlerts);
        Assert.DoesNotContain("api/page-1h-5m", report.ActiveAlerts); // its 5 m window is clean
        Assert.Equal(report.Slos.SelectMany(s => s.ActiveAlerts.Select(a => $"{s.Name}/{a}")), report.ActiveAlerts);
        Assert.False(report.SlaMet);
    }

    [Fact]
    public async Task ResolvedIncidents_OlderThanTheLongestWindow_AreDropped_OpenOnesAreKept()
    {
        var monitor = Monitor(window: TimeSpan.FromDays(30));
        Lifecycle(monitor, EventKinds.Started);
        State(monitor, SafetyState.Unknown, SafetyState.Failed);
        _time.Advance(TimeSpan.FromMinutes(10));
        State(monitor, SafetyState.Failed, SafetyState.Healthy);
        _time.Advance(TimeSpan.FromDays(10));
        State(monitor, SafetyState.Healthy, SafetyState.Failed, "system");    // still open at the end
        _time.Advance(TimeSpan.FromDays(25));
        State(monitor, SafetyState.Healthy, SafetyState.Critical);
        var store = new TestSupport.InMemoryEventStore();

        Assert.Equal(3, monitor.GetIncidents().Count);
        await monitor.CatchUpAsync(store, CancellationToken.None); // prunes to the last 30 days

        var kept = monitor.GetIncidents();
        Assert.Equal(["web", "system"], kept.Select(i => i.Subject)); // the first web incident (35 days ago) is gone
        Assert.All(kept, i => Assert.True(i.IsOpen));
    }

    [Fact]
    public void GroupSlo_IsAsBadAsItsWorstMember()
    {
        var monitor = new AvailabilityMonitor(
            [new SloDefinition("trading-path", "group:trading-path", 0.999, TimeSpan.FromDays(30)) { Members = ["gateway", "risk"] }],
            new Dictionary<string, Criticality>(), _time);
        Lifecycle(monitor, EventKinds.Started);
        State(monitor, SafetyState.Unknown, SafetyState.Healthy, "gateway");
        Assert.Equal(SafetyState.Unknown, GroupState());                       // risk not seen yet
        State(monitor, SafetyState.Unknown, SafetyState.Healthy, "risk");
        _time.Advance(TimeSpan.FromMinutes(10));
        State(monitor, SafetyState.Healthy, SafetyState.Failed, "gateway");     // 10 min gateway down
        _time.Advance(TimeSpan.FromMinutes(5));
        State(monitor, SafetyState.Healthy, SafetyState.Critical, "risk");      // overlapping 5 min
        _time.Advance(TimeSpan.FromMinutes(5));
        State(monitor, SafetyState.Failed, SafetyState.Healthy, "gateway");
        _time.Advance(TimeSpan.FromMinutes(5));
        State(monitor, SafetyState.Critical, SafetyState.Healthy, "risk");
        _time.Advance(TimeSpan.FromMinutes(10));

        var split = monitor.Measure("group:trading-path", T0, _time.GetUtcNow());
        Assert.Equal(TimeSpan.FromMinutes(15), split.Bad);    // either member down: minutes 10 to 25
        Assert.Equal(TimeSpan.FromMinutes(20), split.Good);

        SafetyState GroupState() => monitor.Measure("group:trading-path", _time.GetUtcNow(), _time.GetUtcNow().AddTicks(1)).Observed > TimeSpan.Zero
            ? SafetyState.Healthy
            : SafetyState.Unknown;
    }

    [Fact]
    public void NoEvidence_IsNotMet_AndBurnsNothing()
    {
        var slo = Monitor().ValidateAvailabilitySla().Slos.Single();
        Assert.Null(slo.CurrentAvailability);
        Assert.False(slo.SlaMet);
        Assert.All(slo.BurnRates.Values, rate => Assert.Equal(0, rate));
    }

    [Fact]
    public void MaintenanceWindow_IsExcludedFromAvailabilityAndBudget()
    {
        var monitor = Monitor();
        Lifecycle(monitor, EventKinds.Started);
        State(monitor, SafetyState.Unknown, SafetyState.Healthy);
        _time.Advance(TimeSpan.FromHours(1));
        var maintenanceStart = _time.GetUtcNow();
        State(monitor, SafetyState.Healthy, SafetyState.Failed);
        _time.Advance(TimeSpan.FromMinutes(20));
        State(monitor, SafetyState.Failed, SafetyState.Healthy);
        monitor.AddMaintenanceWindow(new MaintenanceWindow(maintenanceStart, _time.GetUtcNow(), "planned upgrade"));
        _time.Advance(TimeSpan.FromHours(1));

        var slo = monitor.ValidateAvailabilitySla().Slos.Single();
        Assert.Equal(1.0, slo.CurrentAvailability);
        Assert.Equal(TimeSpan.Zero, slo.BudgetConsumed);
        Assert.Equal(0.001 * (TimeSpan.FromDays(30) - TimeSpan.FromMinutes(20)), slo.ErrorBudget);
    }

    [Theory]
    [InlineData(30, 14.4, 6, 3, 1)]
    [InlineData(7, 3.36, 1.4, 0.7, 0.2333333333333333)]
    public void BurnRateFactors_ScaleWithTheSloWindow(int days, double page1h, double page6h, double ticket1d, double ticket3d)
    {
        var factors = BurnRatePolicy.Workbook.Select(p => p.Factor(TimeSpan.FromDays(days))).ToArray();
        Assert.Equal([page1h, page6h, ticket1d, ticket3d], factors, (a, b) => Math.Abs(a - b) < 1e-9);
        Assert.Equal(["page-1h-5m", "page-6h-30m", "ticket-1d-2h", "ticket-3d-6h"], BurnRatePolicy.Workbook.Select(p => p.Name));
    }

    [Fact]
    public void PageAlert_FiresOnlyWhenBothWindowsExceed_AndResolvesAfter()
    {
        var monitor = Monitor();
        Lifecycle(monitor, EventKinds.Started);
        State(monitor, SafetyState.Unknown, SafetyState.Healthy);
        _time.Advance(TimeSpan.FromDays(4));

        // 4 minutes down: 1 h burns (4/60)/0.001 = 66.7 > 14.4 and 5 m burns (4/5)/0.001 = 800 > 14.4.
        State(monitor, SafetyState.Healthy, SafetyState.Failed);
        _time.Advance(TimeSpan.FromMinutes(4));
        var fired = ApplyAlerts(monitor);
        Assert.Contains(fired, e => e.Kind == AvailabilityEventKinds.AlertFired && e.Cause == "page-1h-5m");
        Assert.Contains("page-1h-5m", monitor.ValidateAvailabilitySla().Slos.Single().ActiveAlerts);
        Assert.Empty(ApplyAlerts(monitor)); // nothing new while it keeps burning the same way

        // Back up for 6 minutes: the 5 m window is clean again (burn 0) though the 1 h one still exceeds: resolved.
        State(monitor, SafetyState.Failed, SafetyState.Healthy);
        _time.Advance(TimeSpan.FromMinutes(6));
        var slo = monitor.ValidateAvailabilitySla().Slos.Single();
        Assert.True(slo.BurnRates["1h"] > 14.4);
        Assert.Equal(0, slo.BurnRates["5m"]);
        var resolved = ApplyAlerts(monitor);
        Assert.Contains(resolved, e => e.Kind == AvailabilityEventKinds.AlertResolved && e.Cause == "page-1h-5m");
        Assert.DoesNotContain("page-1h-5m", monitor.ValidateAvailabilitySla().Slos.Single().ActiveAlerts);
    }

    [Theory]
    [InlineData("page-1h-5m")]
    [InlineData("page-6h-30m")]
    [InlineData("ticket-1d-2h")]
    [InlineData("ticket-3d-6h")]
    public void EachPair_FiresWhenBothWindowsExceed_AndResolvesWhenTheShortOneIsClean(string name)
    {
        var policy = BurnRatePolicy.Workbook.Single(p => p.Name == name);
        var monitor = Monitor();
        Lifecycle(monitor, EventKinds.Started);
        State(monitor, SafetyState.Unknown, SafetyState.Healthy);
        _time.Advance(TimeSpan.FromDays(4));

        // Down for one short window: the short one burns 1,000, the long one (short/long)/0.001 = 83.3, both
        // above every factor (at most 14.4).
        State(monitor, SafetyState.Healthy, SafetyState.Failed);
        _time.Advance(policy.Short);
        Assert.Contains(ApplyAlerts(monitor), e => e.Kind == AvailabilityEventKinds.AlertFired && e.Cause == name);

        // Up for one short window: the short window burns 0, the long one still exceeds: the pair resolves.
        State(monitor, SafetyState.Failed, SafetyState.Healthy);
        _time.Advance(policy.Short);
        var slo = monitor.ValidateAvailabilitySla().Slos.Single();
        Assert.True(slo.BurnRates[BurnRatePolicy.Format(policy.Long)] > policy.Factor(slo.Window));
        Assert.Contains(ApplyAlerts(monitor), e => e.Kind == AvailabilityEventKinds.AlertResolved && e.Cause == name);
    }

    [Fact]
    public void PageAlert_ShortWindowAloneDoesNotFire()
    {
        var monitor = Monitor();
        Lifecycle(monitor, EventKinds.Started);
        State(monitor, SafetyState.Unknown, SafetyState.Healthy);
        _time.Advance(TimeSpan.FromDays(4));

        // 30 s down: 5 m burns (0.5/5)/0.001 = 100, but 1 h burns (0.5/60)/0.001 = 8.3 < 14.4.
        State(monitor, SafetyState.Healthy, SafetyState.Failed);
        _time.Advance(TimeSpan.FromSeconds(30));
        State(monitor, SafetyState.Failed, SafetyState.Healthy);
        var slo = monitor.ValidateAvailabilitySla().Slos.Single();
        Assert.True(slo.BurnRates["5m"] > 14.4);
        Assert.True(slo.BurnRates["1h"] < 14.4);
        Assert.DoesNotContain(ApplyAlerts(monitor), e => e.Cause == "page-1h-5m");
    }

    [Fact]
    public void Alerts_NeedAShortWindowOfEvidenceInTheLongWindow()
    {
        var monitor = Monitor();
        Lifecycle(monitor, EventKinds.Started);
        State(monitor, SafetyState.Unknown, SafetyState.Healthy);
        _time.Advance(TimeSpan.FromMinutes(4));
        State(monitor, SafetyState.Healthy, SafetyState.Failed);
        _time.Advance(TimeSpan.FromSeconds(50));

        // Every window burns far above its factor, but under 5 minutes were observed at all: nothing fires.
        Assert.True(monitor.ValidateAvailabilitySla().Slos.Single().BurnRates["3d"] > 14.4);
        Assert.Empty(ApplyAlerts(monitor));

        // Ten more seconds: 5 minutes observed, the 1 h / 5 m page pair judges and fires.
        _time.Advance(TimeSpan.FromSeconds(10));
        var fired = ApplyAlerts(monitor);
        Assert.Contains(fired, e => e.Cause == "page-1h-5m");
        Assert.DoesNotContain(fired, e => e.Cause == "page-6h-30m"); // needs 30 minutes of evidence
        var incident = Assert.Single(monitor.GetIncidents(openOnly: true), i => i.Subject == "slo:web");
        Assert.StartsWith("opened: alert page-1h-5m fired (burn ", incident.Timeline[0].What);
    }

    [Fact]
    public void Incidents_OpenOnBad_ResolveOnGood_WithMttrAndMtbf()
    {
        var monitor = Monitor();
        Lifecycle(monitor, EventKinds.Started);
        State(monitor, SafetyState.Unknown, SafetyState.Healthy);
        _time.Advance(TimeSpan.FromHours(1));
        State(monitor, SafetyState.Healthy, SafetyState.Critical);     // opens
        _time.Advance(TimeSpan.FromMinutes(2));
        State(monitor, SafetyState.Critical, SafetyState.Failed);      // same incident
        _time.Advance(TimeSpan.FromMinutes(8));
        State(monitor, SafetyState.Failed, SafetyState.Recovering);    // still open
        _time.Advance(TimeSpan.FromMinutes(2));
        State(monitor, SafetyState.Recovering, SafetyState.Healthy);   // resolved after 12 min
        _time.Advance(TimeSpan.FromMinutes(50));
        State(monitor, SafetyState.Healthy, SafetyState.Failed);       // second incident, 50 min later
        _time.Advance(TimeSpan.FromMinutes(4));
        State(monitor, SafetyState.Failed, SafetyState.Degraded);      // resolved after 4 min
        _time.Advance(TimeSpan.FromMinutes(1));

        var incidents = monitor.GetIncidents();
        Assert.Equal(2, incidents.Count);
        Assert.All(incidents, i => Assert.False(i.IsOpen));
        var first = incidents[^1];
        Assert.Equal("sev1", first.Severity);
        Assert.Equal(TimeSpan.FromMinutes(12), first.ResolvedAt - first.OpenedAt);
        Assert.Equal(["opened", "Critical -> Failed", "Failed -> Recovering", "Recovering -> Healthy"], first.Timeline.Select(e => e.What[..e.What.IndexOf(':', StringComparison.Ordinal)]));
        Assert.Equal("bulwark", first.ResolvedBy);

        var metrics = monitor.GetIncidentMetrics(TimeSpan.FromDays(1));
        Assert.Equal(2, metrics.Opened);
        Assert.Equal(TimeSpan.FromMinutes(8), metrics.Mttr);
        Assert.Equal(TimeSpan.FromMinutes(4), metrics.MttrP50);
        Assert.Equal(TimeSpan.FromMinutes(12), metrics.MttrP90);
        Assert.Equal(TimeSpan.FromMinutes(50), metrics.Mtbf);
    }

    [Fact]
    public void Mttd_WhereTheFaultTimeIsKnown()
    {
        var monitor = Monitor();
        Lifecycle(monitor, EventKinds.Started);
        State(monitor, SafetyState.Unknown, SafetyState.Healthy);
        _time.Advance(TimeSpan.FromMinutes(10));
        monitor.Apply(new SafetyEvent { Sequence = ++_sequence, Time = _time.GetUtcNow(), Kind = AvailabilityEventKinds.FaultInjected, Subject = "web", Actor = "drill" });
        _time.Advance(TimeSpan.FromSeconds(7));
        State(monitor, SafetyState.Healthy, SafetyState.Failed);   // detected 7 s after the fault
        _time.Advance(TimeSpan.FromMinutes(1));
        State(monitor, SafetyState.Failed, SafetyState.Healthy);
        _time.Advance(TimeSpan.FromMinutes(10));
        State(monitor, SafetyState.Healthy, SafetyState.Failed);   // a real failure: no fault time, no MTTD
        _time.Advance(TimeSpan.FromMinutes(1));

        var incidents = monitor.GetIncidents();
        Assert.Null(incidents[0].TimeToDetect);
        Assert.Equal(TimeSpan.FromSeconds(7), incidents[1].TimeToDetect);
        Assert.Equal(TimeSpan.FromSeconds(7), monitor.GetIncidentMetrics(TimeSpan.FromDays(1)).Mttd);
    }

    [Fact]
    public void Flapping_IsOneIncident_WithABoundedTimeline()
    {
        var monitor = Monitor();
        Lifecycle(monitor, EventKinds.Started);
        State(monitor, SafetyState.Unknown, SafetyState.Healthy);
        for (var i = 0; i < 200; i++)
        {
            _time.Advance(TimeSpan.FromMinutes(1));
            State(monitor, SafetyState.Healthy, SafetyState.Failed);
            _time.Advance(TimeSpan.FromMinutes(1));
            State(monitor, SafetyState.Failed, SafetyState.Healthy);
        }

        var incident = Assert.Single(monitor.GetIncidents());
        Assert.False(incident.IsOpen);
        Assert.Equal(101, incident.Timeline.Count);
        Assert.Contains("more entries not kept", incident.Timeline[^1].What);

        // Quiet for longer than the flap window: the next failure is a new incident.
        _time.Advance(AvailabilityMonitor.FlapWindow + TimeSpan.FromSeconds(1));
        State(monitor, SafetyState.Healthy, SafetyState.Failed);
        Assert.Equal(2, monitor.GetIncidents().Count);
    }

    [Fact]
    public void FailoversAndRecoveriesOfTheSubject_AreLinkedToItsOpenIncident()
    {
        var monitor = Monitor();
        Lifecycle(monitor, EventKinds.Started);
        State(monitor, SafetyState.Unknown, SafetyState.Failed);
        monitor.Apply(new SafetyEvent { Sequence = ++_sequence, Time = _time.GetUtcNow(), Kind = "failover.completed", Subject = "web", Cause = "replica-b leads, token 7", Actor = "bulwark" });
        monitor.Apply(new SafetyEvent { Sequence = ++_sequence, Time = _time.GetUtcNow(), Kind = "recovery.step", Subject = "other", Cause = "not this incident" });

        var incident = Assert.Single(monitor.GetIncidents());
        Assert.Contains(incident.Timeline, e => e.What == "linked failover.completed: replica-b leads, token 7");
        Assert.DoesNotContain(incident.Timeline, e => e.What.Contains("not this incident", StringComparison.Ordinal));
    }

    [Fact]
    public void Incident_AcknowledgedAndResolvedByAPerson()
    {
        var monitor = Monitor();
        Lifecycle(monitor, EventKinds.Started);
        State(monitor, SafetyState.Unknown, SafetyState.Failed);
        var id = Assert.Single(monitor.GetIncidents(openOnly: true)).Id;

        _time.Advance(TimeSpan.FromMinutes(3));
        monitor.Apply(new SafetyEvent { Sequence = ++_sequence, Time = _time.GetUtcNow(), Kind = AvailabilityEventKinds.IncidentAcknowledged, Subject = id, Actor = "alice", Cause = "looking" });
        _time.Advance(TimeSpan.FromMinutes(5));
        monitor.Apply(new SafetyEvent { Sequence = ++_sequence, Time = _time.GetUtcNow(), Kind = AvailabilityEventKinds.IncidentResolved, Subject = id, Actor = "alice", Cause = "venue restored" });

        var incident = Assert.Single(monitor.GetIncidents());
        Assert.Equal("alice", incident.AcknowledgedBy);
        Assert.Equal(T0.AddMinutes(3), incident.AcknowledgedAt);
        Assert.Equal("alice", incident.ResolvedBy);
        Assert.Empty(monitor.GetIncidents(openOnly: true));
        Assert.Contains(incident.Timeline, e => e.What == "resolved: venue restored" && e.Who == "alice");
    }

    [Fact]
    public void UncleanStop_TheGapUntilTheNextStartIsUnknown()
    {
        var monitor = Monitor();
        Lifecycle(monitor, EventKinds.Started);
        State(monitor, SafetyState.Unknown, SafetyState.Healthy);
        _time.Advance(TimeSpan.FromHours(1));
        var lastReport = _time.GetUtcNow();
        _time.Advance(TimeSpan.FromHours(2)); // killed: no stop recorded
        Lifecycle(monitor, EventKinds.Started, $$"""{"previousReportAt":"{{lastReport:O}}"}""");
        State(monitor, SafetyState.Unknown, SafetyState.Healthy);
        _time.Advance(TimeSpan.FromHours(1));

        var split = monitor.Measure("web", T0, _time.GetUtcNow());
        Assert.Equal(TimeSpan.FromHours(2), split.Good);
        Assert.Equal(TimeSpan.FromHours(2), split.Unknown);
    }

    [Fact]
    public void Apply_IgnoresAnEventAlreadyApplied()
    {
        var monitor = Monitor();
        var e = new SafetyEvent { Sequence = 7, Time = T0, Kind = EventKinds.ComponentState, Subject = "web", From = "Unknown", To = "Failed" };
        monitor.Apply(e);
        _time.Advance(TimeSpan.FromMinutes(1));
        monitor.Apply(e with { Time = T0.AddMinutes(1), To = "Healthy" }); // same sequence: ignored
        Assert.Equal(TimeSpan.FromMinutes(1), monitor.Measure("web", T0, _time.GetUtcNow()).Bad);
    }

    [Fact]
    public void Metrics_PublishAvailabilityBudgetAndBurnRatesPerSlo()
    {
        var monitor = Monitor();
        Lifecycle(monitor, EventKinds.Started);
        State(monitor, SafetyState.Unknown, SafetyState.Healthy);
        _time.Advance(TimeSpan.FromMinutes(54));
        State(monitor, SafetyState.Healthy, SafetyState.Failed);
        _time.Advance(TimeSpan.FromMinutes(6));

        using var meter = new System.Diagnostics.Metrics.Meter("test-" + Guid.NewGuid());
        monitor.RegisterMetrics(meter);
        var seen = new Dictionary<string, double>();
        using var listener = new System.Diagnostics.Metrics.MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter == meter)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) =>
        {
            var window = tags.ToArray().FirstOrDefault(t => t.Key == "window").Value as string;
            seen[$"{instrument.Name}{(window is null ? "" : ":" + window)}"] = value;
        });
        listener.Start();
        listener.RecordObservableInstruments();

        Assert.Equal(0.9, seen["bulwark.slo.availability"], 12);                      // 54 of 60 minutes good
        Assert.Equal(100, seen["bulwark.slo.burn_rate:1h"], 9);                       // (6/60) / 0.001
        Assert.Equal((2592 - 360) / 2592.0, seen["bulwark.slo.error_budget_remaining"], 12);
    }

    private AvailabilityMonitor EventsMonitor(int minimumEvents) =>
        new([new SloDefinition("acks", "acks", 0.999, TimeSpan.FromDays(30), SliKind.Events, minimumEvents)],
            new Dictionary<string, Criticality>(), _time);

    private void Counts(AvailabilityMonitor monitor, long good, long total) =>
        monitor.Apply(new SafetyEvent
        {
            Sequence = ++_sequence,
            Time = _time.GetUtcNow(),
            Kind = AvailabilityEventKinds.SliEvents,
            Subject = "acks",
            Evidence = $$"""{"good":{{good}},"total":{{total}}}""",
        });

    [Fact]
    public void EventsSli_AvailabilityAndBudgetFromCounts()
    {
        var monitor = EventsMonitor(minimumEvents: 10);
        Counts(monitor, 9_990, 10_000);
        _time.Advance(TimeSpan.FromHours(1));
        Counts(monitor, 19_995, 20_000);
        _time.Advance(TimeSpan.FromMinutes(1));

        var slo = monitor.ValidateAvailabilitySla().Slos.Single();
        Assert.Equal(SliKind.Events, slo.Sli);
        Assert.Equal(29_985.0 / 30_000, slo.CurrentAvailability!.Value, 12);
        Assert.Equal(30_000, slo.TotalEvents);
        Assert.Equal(15, slo.BadEvents);
        Assert.Equal(30, slo.ErrorBudgetEvents!.Value, 9);             // 0.1 % of 30,000
        Assert.Equal(0.5, slo.ErrorBudgetRemainingRatio, 9);          // 15 of 30 spent
        Assert.True(slo.SlaMet);                                      // 99.95 % >= 99.9 %
    }

    [Theory]
    [InlineData(10, 0)]  // one failure out of two requests: under the minimum traffic, no page
    [InlineData(0, 1)]   // guard switched off: the same two requests page
    public void EventsSli_MinimumTrafficGuard(int minimumEvents, int expectedPages)
    {
        var monitor = EventsMonitor(minimumEvents);
        Counts(monitor, 1, 2);
        _time.Advance(TimeSpan.FromSeconds(30));
        var pages = ApplyAlerts(monitor).Count(e => e.Kind == AvailabilityEventKinds.AlertFired && e.Cause!.StartsWith("page-1h", StringComparison.Ordinal));
        Assert.Equal(expectedPages, pages);
    }

    private List<SafetyEvent> ApplyAlerts(AvailabilityMonitor monitor)
    {
        var events = monitor.EvaluateAlerts().Select(e => e with { Sequence = ++_sequence }).ToList();
        events.ForEach(monitor.Apply);
        return events;
    }
}
