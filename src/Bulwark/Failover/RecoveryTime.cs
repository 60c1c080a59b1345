namespace Bulwark.Failover;

/// <summary>
/// One failover or switchover, as the replica that took over recorded it. Times are wall-clock: the previous
/// term's last renewal comes from the coordinator (its clock where it has one), the rest from the new leader.
/// </summary>
public sealed record FailoverRecord
{
    /// <summary>The failover group.</summary>
    public required string Group { get; init; }

    /// <summary>Why: the previous lease expired (a fault), or it was handed over (a switchover).</summary>
    public required string Cause { get; init; }

    /// <summary>The replica that led before.</summary>
    public required string OldLeader { get; init; }

    /// <summary>The replica that leads now.</summary>
    public required string NewLeader { get; init; }

    /// <summary>The previous term's fencing token.</summary>
    public required long TokenBefore { get; init; }

    /// <summary>The new term's fencing token (always larger).</summary>
    public required long TokenAfter { get; init; }

    /// <summary>The old leader's last renewal: its last sign of life the coordinator saw.</summary>
    public required DateTimeOffset LastSeenAliveAt { get; init; }

    /// <summary>When the group knew its leader was gone: the old lease's end (none for a switchover).</summary>
    public DateTimeOffset? FaultDetectedAt { get; init; }

    /// <summary>When the winning acquire was sent.</summary>
    public required DateTimeOffset FailoverStartedAt { get; init; }

    /// <summary>When the new leader held the lease and its gate opened.</summary>
    public required DateTimeOffset NewLeaderActiveAt { get; init; }

    /// <summary>
    /// From the old leader's last sign of life to the new leader active: the longest the group can have been without
    /// a leader. It over-counts by up to one renew interval (the fault came some time after the last renewal), never under.
    /// </summary>
    public TimeSpan RecoveryTime => NewLeaderActiveAt - LastSeenAliveAt;

    /// <summary>True for a planned hand-over rather than a fault.</summary>
    public bool IsSwitchover { get; init; }
}

/// <summary>The recovery-time SLA over every recorded failover (the record's <c>validate_recovery_time_sla</c>).</summary>
public sealed record RecoveryTimeReport
{
    /// <summary>True when no failover took longer than <see cref="MaxRecoveryTimeSeconds"/>.</summary>
    public required bool SlaMet { get; init; }

    /// <summary>How many failovers took longer than the SLA.</summary>
    public required int Violations { get; init; }

    /// <summary>How many failovers (switchovers included) were recorded.</summary>
    public required int Count { get; init; }

    /// <summary>Median recovery time in seconds; null with no failover.</summary>
    public double? P50 { get; init; }

    /// <summary>99th-percentile recovery time in seconds (nearest rank); null with no failover.</summary>
    public double? P99 { get; init; }

    /// <summary>Longest recovery time in seconds; null with no failover.</summary>
    public double? Max { get; init; }

    /// <summary>The SLA: 60 s unless configured.</summary>
    public required double MaxRecoveryTimeSeconds { get; init; }

    /// <summary>The failovers over the SLA, slowest first.</summary>
    public required IReadOnlyList<FailoverRecord> ViolatingFailovers { get; init; }

    /// <summary>Judges <paramref name="records"/> against <paramref name="max"/>.</summary>
    public static RecoveryTimeReport From(IReadOnlyCollection<FailoverRecord> records, TimeSpan max)
    {
        ArgumentNullException.ThrowIfNull(records);
        var sorted = records.Select(r => r.RecoveryTime.TotalSeconds).Order().ToArray();
        var violating = records.Where(r => r.RecoveryTime > max).OrderByDescending(r => r.RecoveryTime).ToList();
        return new RecoveryTimeReport
        {
            SlaMet = violating.Count == 0,
            Violations = violating.Count,
            Count = sorted.Length,
            P50 = Percentile(sorted, 0.50),
            P99 = Percentile(sorted, 0.99),
            Max = sorted.Length == 0 ? null : sorted[^1],
            MaxRecoveryTimeSeconds = max.TotalSeconds,
            ViolatingFailovers = violating,
        };
    }

    /// <summary>Nearest rank: the smallest value with at least <paramref name="p"/> of the values at or below it.</summary>
    internal static double? Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? null : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
}

/// <summary>Stable names of the failover events. Never rename one: stores and tools match on them.</summary>
public static class FailoverEventKinds
{
    /// <summary>A replica gained a group's leadership; subject the group, actor the replica, evidence the <see cref="FailoverRecord"/> when it followed a known term.</summary>
    public const string LeadershipGained = "failover.leadership_gained";

    /// <summary>A replica lost a group's leadership; cause says why.</summary>
    public const string LeadershipLost = "failover.leadership_lost";

    /// <summary>A switchover was requested; subject the group, actor who asked, to the target replica.</summary>
    public const string SwitchoverRequested = "failover.switchover_requested";

    /// <summary>A failover took longer than the recovery-time SLA; opens an incident on <c>failover:{group}</c>.</summary>
    public const string RecoverySlaViolated = "failover.recovery_sla_violated";
}
