namespace Bulwark;

/// <summary>The <c>availability:</c> section: SLOs and maintenance windows.</summary>
public sealed class AvailabilityOptions
{
    /// <summary>The SLOs. Empty: one for the system and one per critical component, at <c>availabilityTarget</c> over 30 days.</summary>
    public IList<SloOptions> Slos { get; } = new List<SloOptions>();

    /// <summary>Declared maintenance: its time counts neither for nor against any SLO.</summary>
    public IList<MaintenanceWindowOptions> Maintenance { get; } = new List<MaintenanceWindowOptions>();
}

/// <summary>How an SLO measures good and bad.</summary>
public enum SliKind
{
    /// <summary>From state transitions: good time over observed time.</summary>
    Time,

    /// <summary>From good and total counts the application reports (<c>RecordEventsAsync</c>).</summary>
    Events,
}

/// <summary>One SLO.</summary>
public sealed class SloOptions
{
    /// <summary>Unique name.</summary>
    public string Name { get; set; } = "";

    /// <summary>Time SLI: a component name or <c>system</c>. Event SLI: a free label (defaults to the name).</summary>
    public string? Subject { get; set; }

    /// <summary>Time SLI over a group: bad while any of these components is bad (instead of <see cref="Subject"/>).</summary>
    public IList<string> Components { get; } = new List<string>();

    /// <summary>Objective, strictly between 0 and 1. Default <c>availabilityTarget</c>.</summary>
    public double? Objective { get; set; }

    /// <summary>Rolling window in days. Default 30.</summary>
    public double? WindowDays { get; set; }

    /// <summary>Time (default) or events.</summary>
    public SliKind Sli { get; set; } = SliKind.Time;

    /// <summary>Events SLI: a burn-rate pair judges only with at least this many events in its short window. Default 10.</summary>
    public int? MinimumEvents { get; set; }
}

/// <summary>One maintenance window.</summary>
public sealed class MaintenanceWindowOptions
{
    /// <summary>Start, ISO 8601 with an offset (for example <c>2026-11-28T22:00:00Z</c>).</summary>
    public DateTimeOffset? Start { get; set; }

    /// <summary>End, after the start.</summary>
    public DateTimeOffset? End { get; set; }

    /// <summary>Why, for the record.</summary>
    public string? Reason { get; set; }
}
