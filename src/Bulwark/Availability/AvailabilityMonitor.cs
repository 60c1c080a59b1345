using System.Globalization;
using System.Text.Json;
using Bulwark.Storage;

namespace Bulwark.Availability;

/// <summary>
/// Turns the event log into SLOs, error budgets, burn-rate alerts and incidents. Everything it knows comes
/// from events (state transitions, starts and stops, alerts, acknowledgements), so replaying the log after a
/// restart rebuilds the same history and the same numbers. Availability is exact over any window: it is
/// measured on state intervals, not samples.
/// </summary>
public sealed class AvailabilityMonitor
{
    private const int ReplayPage = 10_000;

    /// <summary>A subject that fails again within this time of its incident's resolution reopens it: flapping is one incident.</summary>
    internal static readonly TimeSpan FlapWindow = TimeSpan.FromMinutes(5);

    private readonly IReadOnlyList<SloDefinition> _slos;
    private readonly IReadOnlyDictionary<string, Criticality> _criticality;
    private readonly IReadOnlyList<BurnRatePolicy> _policies;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, StateTimeline> _timelines = new(StringComparer.Ordinal);
    private readonly List<IncidentBuilder> _incidents = [];
    private readonly Dictionary<string, IncidentBuilder> _openBySubject = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IncidentBuilder> _byId = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IncidentBuilder> _lastBySubject = new(StringComparer.Ordinal);
    private readonly HashSet<(string Slo, string Policy)> _activeAlerts = [];
    private readonly List<MaintenanceWindow> _maintenance = [];
    private readonly Dictionary<string, List<(long Ticks, long Good, long Total)>> _sliEvents = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> _injectedFaults = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IncidentBuilder> _recoveringIncidents = new(StringComparer.Ordinal);
    private long _lastSequence;

    internal AvailabilityMonitor(
        IReadOnlyList<SloDefinition> slos,
        IReadOnlyDictionary<string, Criticality> criticality,
        TimeProvider timeProvider,
        IReadOnlyList<BurnRatePolicy>? policies = null)
    {
        _slos = slos;
        _criticality = criticality;
        _time = timeProvider;
        _policies = policies ?? BurnRatePolicy.Workbook;
        foreach (var slo in slos)
        {
            _timelines.TryAdd(slo.Subject, new StateTimeline());
        }
    }

    /// <summary>
    /// Publishes availability, budget left and burn rates per SLO as observable gauges: computed when a
    /// collector reads them, never on a timer.
    /// </summary>
    internal void RegisterMetrics(System.Diagnostics.Metrics.Meter meter)
    {
        meter.CreateObservableGauge("bulwark.slo.availability", () => Observe(s => s.CurrentAvailability is { } a ? [(a, null)] : []),
            unit: "1", description: "Good time over observed time in the SLO's window.");
        meter.CreateObservableGauge("bulwark.slo.error_budget_remaining", () => Observe(s => [(s.ErrorBudgetRemainingRatio, null)]),
            unit: "1", description: "Error budget left, as a fraction of the budget (negative when overspent).");
        meter.CreateObservableGauge("bulwark.slo.burn_rate", () => Observe(s => s.BurnRates.Select(r => (r.Value, (string?)r.Key)).ToArray()),
            unit: "1", description: "Burn rate over each alert window (1 spends the budget exactly over the SLO window).");
    }

    private IEnumerable<System.Diagnostics.Metrics.Measurement<double>> Observe(Func<SloStatus, (double Value, string? Window)[]> select)
    {
        foreach (var slo in ValidateAvailabilitySla().Slos)
        {
            foreach (var (value, window) in select(slo))
            {
                yield return window is null
                    ? new(value, new KeyValuePair<string, object?>("slo", slo.Name))
                    : new(value, new KeyValuePair<string, object?>("slo", slo.Name), new KeyValuePair<string, object?>("window", window));
            }
        }
    }

    /// <summary>The SLOs watched.</summary>
    public IReadOnlyList<SloDefinition> Slos => _slos;

    /// <summary>A monitor with the default SLOs of <paramref name="options"/>, rebuilt from every event in the store.</summary>
    internal static async Task<AvailabilityMonitor> ReplayAsync(BulwarkOptions options, IEventStore store, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        var monitor = new AvailabilityMonitor(
            SloDefinition.FromOptions(options),
            options.Components.ToDictionary(c => c.Name, c => c.Criticality, StringComparer.Ordinal),
            timeProvider);
        foreach (var window in options.Availability.Maintenance)
        {
            monitor.AddMaintenanceWindow(new MaintenanceWindow(window.Start!.Value, window.End!.Value, window.Reason));
        }

        await monitor.CatchUpAsync(store, cancellationToken).ConfigureAwait(false);
        return monitor;
    }

    /// <summary>
    /// Options for a reader that has only the store (the CLI without a configuration file): the components the
    /// last start recorded, with their criticality, at the default availability target.
    /// </summary>
    internal static async Task<BulwarkOptions> OptionsFromStoreAsync(IEventStore store, CancellationToken cancellationToken)
    {
        var options = new BulwarkOptions();
        var started = await store.ReadAsync(new EventQuery { KindPrefix = EventKinds.Started, Limit = 1 }, cancellationToken).ConfigureAwait(false);
        if (started.Count == 0 || started[0].Evidence is not { } evidence)
        {
            return options;
        }

        try
        {
            using var document = JsonDocument.Parse(evidence);
            if (document.RootElement.TryGetProperty("components", out var components))
            {
                foreach (var component in components.EnumerateArray())
                {
                    if (component.TryGetProperty("name", out var name) && name.GetString() is { } text &&
                        component.TryGetProperty("criticality", out var criticality) &&
                        Enum.TryParse<Criticality>(criticality.GetString(), out var level))
                    {
                        options.Components.Add(new ComponentOptions { Name = text, Criticality = level });
                    }
                }
            }
        }
        catch (JsonException)
        {
            // A start written by another version: the system SLO alone.
        }

        return options;
    }

    /// <summary>Applies every event appended since the last one seen (for example acknowledgements written by the CLI).</summary>
    internal async Task CatchUpAsync(IEventStore store, CancellationToken cancellationToken)
    {
        while (true)
        {
            long after;
            lock (_gate)
            {
                after = _lastSequence;
            }

            var page = await store.ReadAsync(new EventQuery { AfterSequence = after, Limit = ReplayPage, FromOldest = true }, cancellationToken)
                .ConfigureAwait(false);
            foreach (var e in page)
            {
                Apply(e);
            }

            if (page.Count < ReplayPage)
            {
                Prune();
                return;
            }
        }
    }

    /// <summary>Forgets what no window can reach any more: state stays bounded by the longest window, not by uptime.</summary>
    private void Prune()
    {
        var longest = _slos.Select(s => s.Window).Concat(_policies.Select(p => p.Long)).DefaultIfEmpty(SloDefinition.DefaultWindow).Max();
        var horizon = _time.GetUtcNow() - longest;
        lock (_gate)
        {
            foreach (var timeline in _timelines.Values)
            {
                timeline.Prune(horizon);
            }

            foreach (var counts in _sliEvents.Values)
            {
                counts.RemoveAll(c => c.Ticks < horizon.UtcTicks);
            }

            // Incidents resolved before any window can reach are history, not state: the log keeps them.
            _incidents.RemoveAll(i =>
            {
                var old = i.ResolvedAt is { } resolved && resolved < horizon;
                if (old)
                {
                    _byId.Remove(i.Id);
                }

                return old;
            });
        }
    }

    /// <summary>
    /// Marks every subject unknown from <paramref name="since"/>: the safety system that wrote the log was not
    /// running (its last report is that old and it did not record a clean stop).
    /// </summary>
    internal void MarkNotWatchedSince(DateTimeOffset since)
    {
        lock (_gate)
        {
            MarkAllUnknown(since);
        }
    }

    /// <summary>Declares a maintenance window: its time is excluded from every SLO and budget.</summary>
    public void AddMaintenanceWindow(MaintenanceWindow window)
    {
        ArgumentNullException.ThrowIfNull(window);
        if (window.End <= window.Start)
        {
            throw new ArgumentException("a maintenance window ends after it starts", nameof(window));
        }

        lock (_gate)
        {
            _maintenance.Add(window);
        }
    }

    /// <summary>
    /// Applies one stored event. Events already applied (by sequence) are ignored, so the live feed and a
    /// catch-up read may overlap.
    /// </summary>
    public void Apply(SafetyEvent safetyEvent)
    {
        ArgumentNullException.ThrowIfNull(safetyEvent);
        lock (_gate)
        {
            if (safetyEvent.Sequence != 0)
            {
                if (safetyEvent.Sequence <= _lastSequence)
                {
                    return;
                }

                _lastSequence = safetyEvent.Sequence;
            }

            switch (safetyEvent.Kind)
            {
                case EventKinds.Started:
                    if (PreviousReportAt(safetyEvent) is { } lastAlive)
                    {
                        // The previous run did not stop cleanly: from its last report on, nobody was watching.
                        MarkAllUnknown(lastAlive);
                    }

                    MarkAllUnknown(safetyEvent.Time);
                    break;
                case EventKinds.Stopped:
                    MarkAllUnknown(safetyEvent.Time);
                    break;
                case EventKinds.ComponentState or EventKinds.SystemState
                    when Enum.TryParse<SafetyState>(safetyEvent.To, out var to):
                    Timeline(safetyEvent.Subject).Add(safetyEvent.Time, to);
                    TrackIncident(safetyEvent, to);
                    UpdateGroups(safetyEvent.Subject, safetyEvent.Time);
                    break;
                case AvailabilityEventKinds.SliEvents when SliCounts(safetyEvent.Evidence) is var (good, total) && total > 0:
                    if (!_sliEvents.TryGetValue(safetyEvent.Subject, out var counts))
                    {
                        counts = [];
                        _sliEvents[safetyEvent.Subject] = counts;
                    }

                    counts.Add((safetyEvent.Time.UtcTicks, good, total));
                    break;
                case Failover.FailoverEventKinds.RecoverySlaViolated:
                    // Trading was without a leader for longer than promised: an incident until a person resolves it.
                    Open(safetyEvent.Subject, safetyEvent, safetyEvent.Cause ?? "recovery-time SLA violated");
                    break;
                case var kind when Recovery.RecoveryEventKinds.OpensIncident(kind):
                    // A supervised process that died or crash-loops, a recovery that failed or ran over its SLA.
                    Open(safetyEvent.Subject, safetyEvent, $"{kind}: {safetyEvent.Cause}");
                    break;
                case var kind when kind.StartsWith("recovery.", StringComparison.Ordinal):
                    LinkRecovery(safetyEvent);
                    break;
                case var kind when kind.StartsWith("failover.", StringComparison.Ordinal) && _openBySubject.TryGetValue(safetyEvent.Subject, out var linked):
                    // Failovers of a subject with an open incident belong to its timeline.
                    linked.Add(new IncidentEntry(safetyEvent.Time, $"linked {kind}: {safetyEvent.Cause}", safetyEvent.Actor));
                    break;
                case Redundancy.RedundancyEventKinds.BelowSpare:
                    // No spare replica left: one more loss stops the service.
                    Open(safetyEvent.Subject, safetyEvent, safetyEvent.Cause ?? "below N+1");
                    break;
                case Redundancy.RedundancyEventKinds.SpareRestored:
                    Resolve(safetyEvent.Subject, safetyEvent.Time, "bulwark", safetyEvent.Cause ?? "N+1 again");
                    break;
                case AvailabilityEventKinds.FaultInjected:
                    _injectedFaults[safetyEvent.Subject] = safetyEvent.Time;
                    break;
                case AvailabilityEventKinds.AlertFired when safetyEvent.Cause is { } policy:
                    _activeAlerts.Add((safetyEvent.Subject, policy));
                    Open($"slo:{safetyEvent.Subject}", safetyEvent, $"alert {policy} fired ({DescribeBurn(safetyEvent.Evidence)})");
                    break;
                case AvailabilityEventKinds.AlertResolved when safetyEvent.Cause is { } policy:
                    _activeAlerts.Remove((safetyEvent.Subject, policy));
                    if (!_activeAlerts.Any(a => a.Slo == safetyEvent.Subject))
                    {
                        Resolve($"slo:{safetyEvent.Subject}", safetyEvent.Time, "bulwark", $"alert {policy} resolved");
                    }

                    break;
                case AvailabilityEventKinds.IncidentAcknowledged when _byId.TryGetValue(safetyEvent.Subject, out var acknowledged):
                    acknowledged.AcknowledgedAt ??= safetyEvent.Time;
                    acknowledged.AcknowledgedBy ??= safetyEvent.Actor;
                    acknowledged.Add(new IncidentEntry(safetyEvent.Time, "acknowledged: " + safetyEvent.Cause, safetyEvent.Actor));
                    break;
                case AvailabilityEventKinds.IncidentResolved when _byId.TryGetValue(safetyEvent.Subject, out var resolved) && resolved.ResolvedAt is null:
                    Resolve(resolved.Subject, safetyEvent.Time, safetyEvent.Actor ?? "unknown", "resolved: " + safetyEvent.Cause);
                    break;
            }
        }
    }

    /// <summary>Every SLO now: availability, budget, burn rates and active alerts (the record's <c>validate_availability_sla</c>).</summary>
    public AvailabilityReport ValidateAvailabilitySla()
    {
        var now = _time.GetUtcNow();
        lock (_gate)
        {
            var statuses = _slos.Select(slo => Status(slo, now)).ToArray();
            var tightest = statuses.MinBy(s => s.ErrorBudgetRemainingRatio);
            return new AvailabilityReport
            {
                At = now,
                SlaMet = statuses.All(s => s.SlaMet),
                CurrentAvailability = statuses.Any(s => s.CurrentAvailability is null) ? null : statuses.Min(s => s.CurrentAvailability),
                TightestSlo = tightest?.Name,
                Target = tightest?.Target,
                Window = tightest?.Window,
                ErrorBudgetRemainingRatio = tightest?.ErrorBudgetRemainingRatio,
                BurnRates = statuses.SelectMany(s => s.BurnRates)
                    .GroupBy(r => r.Key, StringComparer.Ordinal)
                    .ToDictionary(g => g.Key, g => g.Max(r => r.Value), StringComparer.Ordinal),
                ActiveAlerts = statuses.SelectMany(s => s.ActiveAlerts.Select(a => $"{s.Name}/{a}")).ToArray(),
                DueNotFired = statuses.SelectMany(s => s.DueAlerts.Where(a => !a.Fired).Select(a => $"{s.Name}/{a.Policy}")).ToArray(),
                Slos = statuses,
            };
        }
    }

    /// <summary>Good, bad and unknown time of a subject in any window (maintenance excluded).</summary>
    public TimeSplit Measure(string subject, DateTimeOffset from, DateTimeOffset to)
    {
        lock (_gate)
        {
            return _timelines.TryGetValue(subject, out var timeline) ? timeline.Measure(from, to, _maintenance) : new TimeSplit(default, default, to - from);
        }
    }

    /// <summary>Incidents, newest first.</summary>
    public IReadOnlyList<Incident> GetIncidents(bool openOnly = false)
    {
        lock (_gate)
        {
            return _incidents.Where(i => !openOnly || i.ResolvedAt is null).Reverse().Select(i => i.Build()).ToArray();
        }
    }

    /// <summary>Incidents newest first with the last 30 days' MTTR and MTBF: what <c>bulwark incidents</c> and the server show.</summary>
    internal IncidentReport GetIncidentReport(bool openOnly = false) => new(GetIncidents(openOnly), GetIncidentMetrics(IncidentReport.MetricsWindow));

    /// <summary>MTTR (time to resolve) and MTBF over the incidents opened in the last <paramref name="window"/>.</summary>
    public IncidentMetrics GetIncidentMetrics(TimeSpan window)
    {
        var since = _time.GetUtcNow() - window;
        lock (_gate)
        {
            var opened = _incidents.Where(i => i.OpenedAt >= since).ToArray();
            var repairs = opened.Where(i => i.ResolvedAt is not null).Select(i => i.ResolvedAt!.Value - i.OpenedAt).Order().ToArray();
            var between = opened
                .GroupBy(i => i.Subject)
                .SelectMany(g => g.OrderBy(i => i.OpenedAt).Zip(g.OrderBy(i => i.OpenedAt).Skip(1)))
                .Where(pair => pair.First.ResolvedAt is not null)
                .Select(pair => pair.Second.OpenedAt - pair.First.ResolvedAt!.Value)
                .Order()
                .ToArray();
            var detections = opened.Where(i => i.FaultAt is not null).Select(i => i.OpenedAt - i.FaultAt!.Value).Order().ToArray();
            return new IncidentMetrics
            {
                Mttd = Mean(detections),
                MttdP90 = Percentile(detections, 0.90),
                Opened = opened.Length,
                Resolved = repairs.Length,
                Mttr = Mean(repairs),
                MttrP50 = Percentile(repairs, 0.50),
                MttrP90 = Percentile(repairs, 0.90),
                MttrP99 = Percentile(repairs, 0.99),
                Mtbf = Mean(between),
                MtbfP50 = Percentile(between, 0.50),
            };
        }
    }

    /// <summary>
    /// The alert events the current burn rates call for: a policy newly above its factor on both windows
    /// fires, one no longer above resolves. The caller appends them to the store and applies them back.
    /// </summary>
    internal IReadOnlyList<SafetyEvent> EvaluateAlerts()
    {
        var now = _time.GetUtcNow();
        var events = new List<SafetyEvent>();
        lock (_gate)
        {
            foreach (var slo in _slos)
            {
                foreach (var policy in _policies)
                {
                    var (firing, factor, longRate, shortRate) = Due(slo, policy, now);
                    var active = _activeAlerts.Contains((slo.Name, policy.Name));
                    if (firing == active)
                    {
                        continue;
                    }

                    events.Add(new SafetyEvent
                    {
                        Time = now,
                        Kind = firing ? AvailabilityEventKinds.AlertFired : AvailabilityEventKinds.AlertResolved,
                        Subject = slo.Name,
                        Cause = policy.Name,
                        Actor = "bulwark",
                        Evidence = JsonSerializer.Serialize(
                            new { severity = policy.Severity, factor, longWindow = BurnRatePolicy.Format(policy.Long), longRate, shortWindow = BurnRatePolicy.Format(policy.Short), shortRate },
                            BulwarkJson.Options),
                    });
                }
            }
        }

        return events;
    }

    /// <summary>
    /// Whether <paramref name="policy"/>'s conditions hold now for <paramref name="slo"/>, from the log alone: both
    /// windows above the factor, with enough evidence. What <see cref="EvaluateAlerts"/> fires on, and what a reader
    /// compares with the alerts that were fired.
    /// </summary>
    private (bool Due, double Factor, double LongRate, double ShortRate) Due(SloDefinition slo, BurnRatePolicy policy, DateTimeOffset now)
    {
        var factor = policy.Factor(slo.Window);
        var (longRate, longEvidence) = Burn(slo, now, policy.Long);
        var (shortRate, shortEvidence) = Burn(slo, now, policy.Short);

        // Minimum evidence. Time: the long window holds at least a short window's worth of observed
        // time, so a few seconds of data after a start cannot page for three days. Events: the short
        // window holds at least MinimumEvents, so one failure out of two requests does not page.
        var enough = slo.Sli == SliKind.Events ? shortEvidence >= slo.MinimumEvents : longEvidence >= policy.Short.TotalSeconds;
        return (longRate > factor && shortRate > factor && enough, factor, longRate, shortRate);
    }

    /// <summary>The alerts whose conditions hold now, evaluated at the time of asking, fired or not.</summary>
    private DueAlert[] DueAlerts(SloDefinition slo, DateTimeOffset now) => _policies
        .Select(policy => (policy, due: Due(slo, policy, now)))
        .Where(p => p.due.Due)
        .Select(p => new DueAlert
        {
            Policy = p.policy.Name,
            Severity = p.policy.Severity,
            Factor = p.due.Factor,
            LongWindow = BurnRatePolicy.Format(p.policy.Long),
            LongRate = p.due.LongRate,
            ShortWindow = BurnRatePolicy.Format(p.policy.Short),
            ShortRate = p.due.ShortRate,
            Fired = _activeAlerts.Contains((slo.Name, p.policy.Name)),
        })
        .ToArray();

    private SloStatus Status(SloDefinition slo, DateTimeOffset now)
    {
        if (slo.Sli == SliKind.Events)
        {
            return EventsStatus(slo, now);
        }

        var from = now - slo.Window;
        var split = Timeline(slo.Subject).Measure(from, now, _maintenance);
        // An empty timeline is unknown throughout: its unknown time is the window's length less maintenance.
        var accountable = new StateTimeline().Measure(from, now, _maintenance).Unknown;
        var budget = (1 - slo.Objective) * accountable;
        var remaining = budget - split.Bad;
        var availability = split.Availability;
        var windows = _policies.SelectMany(p => new[] { p.Long, p.Short }).Distinct().Order();
        return new SloStatus
        {
            Name = slo.Name,
            Subject = slo.Subject,
            SlaMet = availability is { } a && a >= slo.Objective,
            CurrentAvailability = availability,
            Target = slo.Objective,
            Window = slo.Window,
            ErrorBudget = budget,
            BudgetConsumed = split.Bad,
            ErrorBudgetRemaining = remaining,
            ErrorBudgetRemainingRatio = budget > TimeSpan.Zero ? remaining / budget : 0,
            Unknown = split.Unknown,
            BurnRates = windows.ToDictionary(BurnRatePolicy.Format, w => Burn(slo, now, w).Rate),
            ActiveAlerts = _activeAlerts.Where(a => a.Slo == slo.Name).Select(a => a.Policy).Order(StringComparer.Ordinal).ToArray(),
            DueAlerts = DueAlerts(slo, now),
        };
    }

    private SloStatus EventsStatus(SloDefinition slo, DateTimeOffset now)
    {
        var (good, total) = Events(slo.Name, now - slo.Window, now);
        var bad = total - good;
        var allowed = (1 - slo.Objective) * total;
        return new SloStatus
        {
            Name = slo.Name,
            Subject = slo.Subject,
            Sli = SliKind.Events,
            SlaMet = total > 0 && (double)good / total >= slo.Objective,
            CurrentAvailability = total > 0 ? (double)good / total : null,
            Target = slo.Objective,
            Window = slo.Window,
            ErrorBudget = TimeSpan.Zero,
            BudgetConsumed = TimeSpan.Zero,
            ErrorBudgetRemaining = TimeSpan.Zero,
            ErrorBudgetRemainingRatio = allowed > 0 ? (allowed - bad) / allowed : 0,
            Unknown = TimeSpan.Zero,
            TotalEvents = total,
            BadEvents = bad,
            ErrorBudgetEvents = allowed,
            BurnRates = _policies.SelectMany(p => new[] { p.Long, p.Short }).Distinct().Order().ToDictionary(BurnRatePolicy.Format, w => Burn(slo, now, w).Rate),
            ActiveAlerts = _activeAlerts.Where(a => a.Slo == slo.Name).Select(a => a.Policy).Order(StringComparer.Ordinal).ToArray(),
            DueAlerts = DueAlerts(slo, now),
        };
    }

    /// <summary>
    /// Bad share in the window over the share the objective allows (no evidence: 0), and the evidence behind it:
    /// observed seconds for a time SLI, events for an events SLI.
    /// </summary>
    private (double Rate, double Evidence) Burn(SloDefinition slo, DateTimeOffset now, TimeSpan window)
    {
        if (slo.Sli == SliKind.Events)
        {
            var (good, total) = Events(slo.Name, now - window, now);
            return (total > 0 ? ((double)(total - good) / total) / (1 - slo.Objective) : 0, total);
        }

        var split = Timeline(slo.Subject).Measure(now - window, now, _maintenance);
        return (split.Observed > TimeSpan.Zero ? (split.Bad / split.Observed) / (1 - slo.Objective) : 0, split.Observed.TotalSeconds);
    }

    /// <summary>Good and total events of an events SLO reported in [from, to), less those in maintenance.</summary>
    private (long Good, long Total) Events(string slo, DateTimeOffset from, DateTimeOffset to)
    {
        long good = 0, total = 0;
        if (_sliEvents.TryGetValue(slo, out var counts))
        {
            foreach (var (ticks, g, t) in counts)
            {
                if (ticks >= from.UtcTicks && ticks < to.UtcTicks && !_maintenance.Any(m => ticks >= m.Start.UtcTicks && ticks < m.End.UtcTicks))
                {
                    good += g;
                    total += t;
                }
            }
        }

        return (good, total);
    }

    private static (long Good, long Total) SliCounts(string? evidence)
    {
        if (evidence is null)
        {
            return (0, 0);
        }

        try
        {
            using var document = JsonDocument.Parse(evidence);
            var good = document.RootElement.GetProperty("good").GetInt64();
            var total = document.RootElement.GetProperty("total").GetInt64();
            return good >= 0 && total >= good ? (good, total) : (0, 0);
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            return (0, 0);
        }
    }

    private void TrackIncident(SafetyEvent transition, SafetyState to)
    {
        if (StateTimeline.IsBad(to))
        {
            Open(transition.Subject, transition, $"{transition.From} -> {transition.To}: {transition.Cause}");
        }
        else if (to is SafetyState.Healthy or SafetyState.Degraded)
        {
            Resolve(transition.Subject, transition.Time, "bulwark", $"{transition.From} -> {transition.To}: recovered");
        }
        else if (_openBySubject.TryGetValue(transition.Subject, out var open))
        {
            open.Add(new IncidentEntry(transition.Time, $"{transition.From} -> {transition.To}: {transition.Cause}"));
        }
    }

    /// <summary>
    /// A recovery of a subject belongs to the incident open when it started, to its end, even once the subject's recovery
    /// resolved the incident. A recovery that succeeded resolves the incident it repaired when the subject is not bad.
    /// </summary>
    private void LinkRecovery(SafetyEvent recovery)
    {
        var subject = recovery.Subject;
        if (recovery.Kind == Recovery.RecoveryEventKinds.Started && _openBySubject.TryGetValue(subject, out var open))
        {
            _recoveringIncidents[subject] = open;
        }

        var incident = _openBySubject.GetValueOrDefault(subject) ?? _recoveringIncidents.GetValueOrDefault(subject);
        if (incident is null)
        {
            return;
        }

        incident.Add(new IncidentEntry(recovery.Time, $"linked {recovery.Kind}: {recovery.Cause}", recovery.Actor));
        if (recovery.Kind == Recovery.RecoveryEventKinds.Succeeded && _openBySubject.GetValueOrDefault(subject) == incident &&
            !(_timelines.TryGetValue(subject, out var timeline) && StateTimeline.IsBad(timeline.Current)))
        {
            Resolve(subject, recovery.Time, "bulwark", "resolved by recovery: " + recovery.Cause);
        }

        if (Recovery.RecoveryEventKinds.IsFinal(recovery.Kind))
        {
            _recoveringIncidents.Remove(subject);
        }
    }

    private void Open(string subject, SafetyEvent cause, string what)
    {
        if (_openBySubject.TryGetValue(subject, out var open))
        {
            open.Add(new IncidentEntry(cause.Time, what));
            return;
        }

        if (_lastBySubject.TryGetValue(subject, out var last) && last.ResolvedAt is { } resolvedAt && cause.Time - resolvedAt <= FlapWindow)
        {
            last.ResolvedAt = null;
            last.ResolvedBy = null;
            last.Add(new IncidentEntry(cause.Time, "reopened (flapping): " + what));
            _openBySubject[subject] = last;
            return;
        }

        var id = cause.Sequence != 0
            ? string.Create(CultureInfo.InvariantCulture, $"INC-{cause.Sequence}")
            : string.Create(CultureInfo.InvariantCulture, $"INC-T{cause.Time.UtcTicks}");
        var incident = new IncidentBuilder(id, subject, Severity(subject), cause.Time);
        if (_injectedFaults.Remove(subject, out var fault) && fault <= cause.Time)
        {
            incident.FaultAt = fault;
        }

        incident.Add(new IncidentEntry(cause.Time, "opened: " + what));
        _incidents.Add(incident);
        _openBySubject[subject] = incident;
        _lastBySubject[subject] = incident;
        _byId[id] = incident;
    }

    private void Resolve(string subject, DateTimeOffset at, string who, string what)
    {
        if (_openBySubject.Remove(subject, out var open))
        {
            open.ResolvedAt = at;
            open.ResolvedBy = who;
            open.Add(new IncidentEntry(at, what, who));
        }
    }

    private string Severity(string subject)
    {
        var name = subject.StartsWith("slo:", StringComparison.Ordinal)
            ? _slos.FirstOrDefault(s => s.Name == subject[4..])?.Subject ?? subject
            : subject;
        return name == "system" || name.StartsWith("failover:", StringComparison.Ordinal) ? "sev1" : _criticality.GetValueOrDefault(name, Criticality.Standard) switch
        {
            Criticality.Critical => "sev1",
            Criticality.Standard => "sev2",
            _ => "sev3",
        };
    }

    /// <summary>A group is as bad as its worst member (states are ordered worst first); a member not seen yet is unknown.</summary>
    private void UpdateGroups(string member, DateTimeOffset at)
    {
        foreach (var slo in _slos)
        {
            if (slo.Members.Count == 0 || !slo.Members.Contains(member, StringComparer.Ordinal))
            {
                continue;
            }

            var worst = slo.Members.Min(m => _timelines.TryGetValue(m, out var t) ? t.Current : SafetyState.Unknown);
            var group = Timeline(slo.Subject);
            if (group.Count == 0 || group.Current != worst)
            {
                group.Add(at, worst);
            }
        }
    }

    private void MarkAllUnknown(DateTimeOffset at)
    {
        foreach (var timeline in _timelines.Values)
        {
            timeline.Add(at, SafetyState.Unknown);
        }
    }

    private StateTimeline Timeline(string subject)
    {
        if (!_timelines.TryGetValue(subject, out var timeline))
        {
            timeline = new StateTimeline();
            _timelines[subject] = timeline;
        }

        return timeline;
    }

    private static DateTimeOffset? PreviousReportAt(SafetyEvent started)
    {
        if (started.Evidence is null)
        {
            return null;
        }

        try
        {
            using var evidence = JsonDocument.Parse(started.Evidence);
            return evidence.RootElement.TryGetProperty("previousReportAt", out var value) && value.TryGetDateTimeOffset(out var at) ? at : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string DescribeBurn(string? evidence)
    {
        if (evidence is null)
        {
            return "no evidence recorded";
        }

        try
        {
            using var document = JsonDocument.Parse(evidence);
            var e = document.RootElement;
            return string.Create(CultureInfo.InvariantCulture,
                $"burn {e.GetProperty("longRate").GetDouble():0.#} over {e.GetProperty("longWindow").GetString()} and {e.GetProperty("shortRate").GetDouble():0.#} over {e.GetProperty("shortWindow").GetString()}, factor {e.GetProperty("factor").GetDouble():0.##}");
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return evidence;
        }
    }

    private static TimeSpan? Mean(TimeSpan[] sorted) =>
        sorted.Length == 0 ? null : new TimeSpan((long)sorted.Average(t => (double)t.Ticks));

    private static TimeSpan? Percentile(TimeSpan[] sorted, double p) =>
        sorted.Length == 0 ? null : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];

    private sealed class IncidentBuilder(string id, string subject, string severity, DateTimeOffset openedAt)
    {
        public string Id { get; } = id;

        public string Subject { get; } = subject;

        public DateTimeOffset OpenedAt { get; } = openedAt;

        public DateTimeOffset? FaultAt { get; set; }

        public DateTimeOffset? AcknowledgedAt { get; set; }

        public string? AcknowledgedBy { get; set; }

        public DateTimeOffset? ResolvedAt { get; set; }

        public string? ResolvedBy { get; set; }

        /// <summary>Entries kept per incident; a flapping subject's further entries are counted, not kept.</summary>
        private const int MaxTimeline = 100;

        private int _dropped;

        public List<IncidentEntry> Timeline { get; } = [];

        public void Add(IncidentEntry entry)
        {
            if (Timeline.Count < MaxTimeline)
            {
                Timeline.Add(entry);
            }
            else
            {
                _dropped++;
            }
        }

        public Incident Build() => new()
        {
            Id = Id,
            Subject = Subject,
            Severity = severity,
            OpenedAt = OpenedAt,
            FaultAt = FaultAt,
            AcknowledgedAt = AcknowledgedAt,
            AcknowledgedBy = AcknowledgedBy,
            ResolvedAt = ResolvedAt,
            ResolvedBy = ResolvedBy,
            Timeline = _dropped == 0
                ? Timeline.ToArray()
                : [.. Timeline, new IncidentEntry(Timeline[^1].At, $"... and {_dropped} more entries not kept")],
        };
    }
}
