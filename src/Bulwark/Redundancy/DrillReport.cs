namespace Bulwark.Redundancy;

/// <summary>
/// What a failover or zone drill did and measured, as recorded in the event log (<c>redundancy.drill</c>): the steady state
/// before, when the fault was injected, detected and recovered from, whether trading resumed under a new fencing token and
/// the level returned, and the verdict against <c>maxRecoveryTimeSeconds</c>. Times are UTC; durations in seconds.
/// </summary>
public sealed record DrillReport
{
    /// <summary>failover or zone.</summary>
    public required string Kind { get; init; }

    /// <summary>The failover group or the zone drilled.</summary>
    public required string Target { get; init; }

    /// <summary>How the replicas were stopped: SIGKILL, SIGTERM or SIGSTOP.</summary>
    public required string Signal { get; init; }

    /// <summary>Who ran it.</summary>
    public required string By { get; init; }

    /// <summary>True when it ran while trading was live, with <c>--force</c>.</summary>
    public bool Forced { get; init; }

    /// <summary>When it began.</summary>
    public required DateTimeOffset StartedAt { get; init; }

    /// <summary>passed, failed or refused.</summary>
    public required string Verdict { get; init; }

    /// <summary>Why it failed or was refused; empty when it passed.</summary>
    public IReadOnlyList<string> Reasons { get; init; } = [];

    /// <summary>Each service's level before (N+2 …), by service.</summary>
    public IReadOnlyDictionary<string, string> SteadyState { get; init; } = new Dictionary<string, string>();

    /// <summary>The leader and its token before (failover drills).</summary>
    public string? LeaderBefore { get; init; }

    /// <summary>The fencing token of the term before.</summary>
    public long? TokenBefore { get; init; }

    /// <summary>The replicas stopped, with their pids.</summary>
    public IReadOnlyList<string> Stopped { get; init; } = [];

    /// <summary>When the fault was injected (recorded first as <c>availability.fault_injected</c>, so MTTD is real).</summary>
    public DateTimeOffset? FaultInjectedAt { get; init; }

    /// <summary>When the loss was seen: the old lease no longer valid, or the stopped replicas no longer healthy.</summary>
    public DateTimeOffset? DetectedAt { get; init; }

    /// <summary>When service was back: a new leader under a larger token (failover), every service at N or more with a leader (zone).</summary>
    public DateTimeOffset? RecoveredAt { get; init; }

    /// <summary>The leader after.</summary>
    public string? LeaderAfter { get; init; }

    /// <summary>The fencing token of the new term; larger than <see cref="TokenBefore"/> when trading resumed under a new term.</summary>
    public long? TokenAfter { get; init; }

    /// <summary>When every service was back at its level before.</summary>
    public DateTimeOffset? LevelReturnedAt { get; init; }

    /// <summary>What was done to restore what the drill stopped (SIGCONT, waited for the supervisor's restart).</summary>
    public IReadOnlyList<string> Restored { get; init; } = [];

    /// <summary>Fault to detection.</summary>
    public double? DetectionSeconds => Seconds(DetectedAt);

    /// <summary>Fault to recovery.</summary>
    public double? RecoverySeconds => Seconds(RecoveredAt);

    /// <summary>Fault to the level back.</summary>
    public double? LevelReturnSeconds => Seconds(LevelReturnedAt);

    /// <summary>The recovery-time SLA the recovery is judged against.</summary>
    public double MaxRecoveryTimeSeconds { get; init; }

    private double? Seconds(DateTimeOffset? at) => at is { } t && FaultInjectedAt is { } f ? Math.Round((t - f).TotalSeconds, 3) : null;
}
