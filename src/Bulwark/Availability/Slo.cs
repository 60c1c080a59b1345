namespace Bulwark.Availability;

/// <summary>A time-based service level objective on one subject (a component, or <c>system</c>).</summary>
public sealed record SloDefinition(string Name, string Subject, double Objective, TimeSpan Window, SliKind Sli = SliKind.Time, int MinimumEvents = SloDefinition.DefaultMinimumEvents)
{
    /// <summary>For a group SLO, its components: the group (<see cref="Subject"/>) is as bad as its worst member.</summary>
    public IReadOnlyList<string> Members { get; init; } = [];

    /// <summary>An events SLI's burn-rate pair judges only with at least this many events in its short window.</summary>
    public const int DefaultMinimumEvents = 10;

    /// <summary>The configured SLOs, or the defaults when none is configured.</summary>
    public static IReadOnlyList<SloDefinition> FromOptions(BulwarkOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.Availability.Slos.Count == 0
            ? Defaults(options)
            : options.Availability.Slos.Select(s => new SloDefinition(
                s.Name,
                s.Components.Count > 0 ? $"group:{s.Name}" : s.Subject ?? s.Name,
                s.Objective ?? options.AvailabilityTarget,
                s.WindowDays is { } days ? TimeSpan.FromDays(days) : DefaultWindow,
                s.Sli,
                s.MinimumEvents ?? DefaultMinimumEvents)
            {
                Members = s.Components.ToArray(),
            }).ToArray();
    }

    /// <summary>The default window: 30 days.</summary>
    public static readonly TimeSpan DefaultWindow = TimeSpan.FromDays(30);

    /// <summary>
    /// With no SLO configured: one for the system and one per critical component, at the configured
    /// availability target over 30 days.
    /// </summary>
    public static IReadOnlyList<SloDefinition> Defaults(BulwarkOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var slos = new List<SloDefinition> { new("system", "system", options.AvailabilityTarget, DefaultWindow) };
        slos.AddRange(options.Components
            .Where(c => c.Criticality == Criticality.Critical)
            .Select(c => new SloDefinition(c.Name, c.Name, options.AvailabilityTarget, DefaultWindow)));
        return slos;
    }
}

/// <summary>
/// One multiwindow burn-rate alert (Google SRE workbook): it fires when the burn rate over both the long and
/// the short window is above <see cref="Factor"/>, the rate that spends <see cref="BudgetFraction"/> of the
/// budget in the long window. Factors scale with the SLO window (14.4 for 2 % in 1 h of 30 days).
/// </summary>
public sealed record BurnRatePolicy(string Severity, TimeSpan Long, TimeSpan Short, double BudgetFraction)
{
    /// <summary>Page 2 % in 1 h (5 m), page 5 % in 6 h (30 m), ticket 10 % in 1 d (2 h), ticket 10 % in 3 d (6 h).</summary>
    public static readonly IReadOnlyList<BurnRatePolicy> Workbook =
    [
        new("page", TimeSpan.FromHours(1), TimeSpan.FromMinutes(5), 0.02),
        new("page", TimeSpan.FromHours(6), TimeSpan.FromMinutes(30), 0.05),
        new("ticket", TimeSpan.FromDays(1), TimeSpan.FromHours(2), 0.10),
        new("ticket", TimeSpan.FromDays(3), TimeSpan.FromHours(6), 0.10),
    ];

    /// <summary>The burn rate that spends the budget fraction in the long window, for an SLO of this window.</summary>
    public double Factor(TimeSpan sloWindow) => BudgetFraction * (sloWindow / Long);

    /// <summary>A stable name, e.g. <c>page-1h-5m</c>.</summary>
    public string Name => $"{Severity}-{Format(Long)}-{Format(Short)}";

    internal static string Format(TimeSpan span) =>
        span.TotalDays >= 1 && span.TotalDays % 1 == 0 ? $"{span.TotalDays:0}d"
        : span.TotalHours >= 1 && span.TotalHours % 1 == 0 ? $"{span.TotalHours:0}h"
        : $"{span.TotalMinutes:0}m";
}

/// <summary>The state of one SLO now, in the shape of the original record's <c>validate_availability_sla</c>.</summary>
public sealed record SloStatus
{
    /// <summary>The SLO's name.</summary>
    public required string Name { get; init; }

    /// <summary>What it measures: a component or <c>system</c>.</summary>
    public required string Subject { get; init; }

    /// <summary>Availability at or above the target. False when nothing was observed: unknown is not met.</summary>
    public required bool SlaMet { get; init; }

    /// <summary>Good time over observed time in the window; null when nothing was observed.</summary>
    public double? CurrentAvailability { get; init; }

    /// <summary>The objective.</summary>
    public required double Target { get; init; }

    /// <summary>The rolling window.</summary>
    public required TimeSpan Window { get; init; }

    /// <summary>Bad time the objective allows in the window (maintenance excluded).</summary>
    public required TimeSpan ErrorBudget { get; init; }

    /// <summary>Bad time in the window.</summary>
    public required TimeSpan BudgetConsumed { get; init; }

    /// <summary>Budget left (negative when overspent).</summary>
    public required TimeSpan ErrorBudgetRemaining { get; init; }

    /// <summary>Budget left as a fraction of the budget (1 = untouched, 0 = spent, negative = overspent).</summary>
    public required double ErrorBudgetRemainingRatio { get; init; }

    /// <summary>Time in the window with no evidence (not counted as up or down).</summary>
    public required TimeSpan Unknown { get; init; }

    /// <summary>Time or events.</summary>
    public SliKind Sli { get; init; }

    /// <summary>Events SLI: events in the window.</summary>
    public long? TotalEvents { get; init; }

    /// <summary>Events SLI: bad events in the window.</summary>
    public long? BadEvents { get; init; }

    /// <summary>Events SLI: bad events the objective allows in the window.</summary>
    public double? ErrorBudgetEvents { get; init; }

    /// <summary>Burn rate per alert window (<c>1h</c>, <c>5m</c>, ...).</summary>
    public required IReadOnlyDictionary<string, double> BurnRates { get; init; }

    /// <summary>Alert policies firing now, as recorded in the log (<c>alert_fired</c> without <c>alert_resolved</c>).</summary>
    public required IReadOnlyList<string> ActiveAlerts { get; init; }

    /// <summary>
    /// Alert policies whose conditions hold now, evaluated from the log when asked, whether or not a running system
    /// fired them: one with <see cref="DueAlert.Fired"/> false is a page nobody got.
    /// </summary>
    public IReadOnlyList<DueAlert> DueAlerts { get; init; } = [];
}

/// <summary>Every SLO, and the overall verdict.</summary>
public sealed record AvailabilityReport
{
    /// <summary>When it was computed.</summary>
    public required DateTimeOffset At { get; init; }

    /// <summary>Every SLO met.</summary>
    public required bool SlaMet { get; init; }

    /// <summary>The lowest availability among the SLOs (null when one has no data).</summary>
    public double? CurrentAvailability { get; init; }

    /// <summary>The SLO with the least error budget left (as a fraction of its budget): the one closest to breaching.</summary>
    public string? TightestSlo { get; init; }

    /// <summary>The objective of <see cref="TightestSlo"/>.</summary>
    public double? Target { get; init; }

    /// <summary>The window of <see cref="TightestSlo"/>.</summary>
    public TimeSpan? Window { get; init; }

    /// <summary>The budget left of <see cref="TightestSlo"/>, as a fraction of its budget: the lowest among the SLOs.</summary>
    public double? ErrorBudgetRemainingRatio { get; init; }

    /// <summary>The highest burn rate among the SLOs over each alert window.</summary>
    public IReadOnlyDictionary<string, double> BurnRates { get; init; } = new Dictionary<string, double>();

    /// <summary>Every alert firing now, as <c>slo/policy</c> (for example <c>gateway/page-1h-5m</c>).</summary>
    public IReadOnlyList<string> ActiveAlerts { get; init; } = [];

    /// <summary>Every alert due now that the log does not record as fired, as <c>slo/policy</c>: nobody was alerted.</summary>
    public IReadOnlyList<string> DueNotFired { get; init; } = [];

    /// <summary>Each SLO.</summary>
    public required IReadOnlyList<SloStatus> Slos { get; init; }
}
