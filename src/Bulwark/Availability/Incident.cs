namespace Bulwark.Availability;

/// <summary>
/// An incident: opened when a subject goes bad (Critical or Failed), resolved when it is good again or by a
/// person with a note. Its id comes from the transition that opened it (<c>INC-&lt;sequence&gt;</c>).
/// </summary>
public sealed record Incident
{
    /// <summary>Stable id, from the sequence of the opening event.</summary>
    public required string Id { get; init; }

    /// <summary>The component, or <c>system</c>.</summary>
    public required string Subject { get; init; }

    /// <summary>sev1 (system or critical component), sev2 (standard), sev3 (informational).</summary>
    public required string Severity { get; init; }

    /// <summary>When the subject went bad.</summary>
    public required DateTimeOffset OpenedAt { get; init; }

    /// <summary>When the fault began, where it is known (a drill records the fault it injects).</summary>
    public DateTimeOffset? FaultAt { get; init; }

    /// <summary>Time to detect: from the fault to the incident's opening, where the fault time is known.</summary>
    public TimeSpan? TimeToDetect => FaultAt is { } fault ? OpenedAt - fault : null;

    /// <summary>When a person acknowledged it.</summary>
    public DateTimeOffset? AcknowledgedAt { get; init; }

    /// <summary>Who acknowledged it.</summary>
    public string? AcknowledgedBy { get; init; }

    /// <summary>When it was resolved.</summary>
    public DateTimeOffset? ResolvedAt { get; init; }

    /// <summary>Who resolved it: a person, or <c>bulwark</c> when the subject recovered.</summary>
    public string? ResolvedBy { get; init; }

    /// <summary>Open: not resolved.</summary>
    public bool IsOpen => ResolvedAt is null;

    /// <summary>Every event of the incident, in order: transitions, acknowledgement, resolution.</summary>
    public required IReadOnlyList<IncidentEntry> Timeline { get; init; }
}

/// <summary>One line of an incident's timeline.</summary>
public sealed record IncidentEntry(DateTimeOffset At, string What, string? Who = null);

/// <summary>
/// Repair statistics over a window. MTTR here is mean time to <em>resolve</em>: from the moment the subject
/// went bad to the moment the incident was resolved. MTBF is the mean good time between two incidents of a
/// subject (from one's resolution to the next one's opening). Percentiles are nearest-rank.
/// </summary>
public sealed record IncidentMetrics
{
    /// <summary>Incidents opened in the window.</summary>
    public required int Opened { get; init; }

    /// <summary>Incidents resolved in the window.</summary>
    public required int Resolved { get; init; }

    /// <summary>Mean time to resolve.</summary>
    public TimeSpan? Mttr { get; init; }

    /// <summary>Median time to resolve.</summary>
    public TimeSpan? MttrP50 { get; init; }

    /// <summary>90th percentile time to resolve.</summary>
    public TimeSpan? MttrP90 { get; init; }

    /// <summary>99th percentile time to resolve.</summary>
    public TimeSpan? MttrP99 { get; init; }

    /// <summary>Mean time between failures (good time between incidents of one subject).</summary>
    public TimeSpan? Mtbf { get; init; }

    /// <summary>Median time between failures.</summary>
    public TimeSpan? MtbfP50 { get; init; }

    /// <summary>Mean time to detect, over the incidents whose fault time is known.</summary>
    public TimeSpan? Mttd { get; init; }

    /// <summary>90th percentile time to detect.</summary>
    public TimeSpan? MttdP90 { get; init; }
}

/// <summary>Event kinds of the availability monitor. Stable names.</summary>
public static class AvailabilityEventKinds
{
    /// <summary>A burn-rate alert fired; subject is the SLO, cause names the policy.</summary>
    public const string AlertFired = "availability.alert_fired";

    /// <summary>A burn-rate alert resolved.</summary>
    public const string AlertResolved = "availability.alert_resolved";

    /// <summary>A fault was injected (a drill) into the subject at the event's time: the next incident of the subject gets its time to detect.</summary>
    public const string FaultInjected = "availability.fault_injected";

    /// <summary>Good and total counts for an events SLI; subject is the SLO, evidence <c>{"good":N,"total":M}</c>.</summary>
    public const string SliEvents = "availability.sli_events";

    /// <summary>A person acknowledged an incident; subject is the incident id, actor who, cause the note.</summary>
    public const string IncidentAcknowledged = "incident.acknowledged";

    /// <summary>A person resolved an incident; subject is the incident id, actor who, cause the note.</summary>
    public const string IncidentResolved = "incident.resolved";
}

/// <summary>Incidents, newest first, and the metrics of the last <see cref="MetricsWindow"/>.</summary>
internal sealed record IncidentReport(IReadOnlyList<Incident> Incidents, IncidentMetrics Last30Days)
{
    public static readonly TimeSpan MetricsWindow = TimeSpan.FromDays(30);
}
