namespace Bulwark;

/// <summary>
/// Defaults and limits in one place, so documentation, validation and behaviour cannot drift apart.
/// The first four are the figures of the original architecture record.
/// </summary>
public static class BulwarkDefaults
{
    /// <summary>Availability objective, 99.9 %.</summary>
    public const double AvailabilityTarget = 0.999;

    /// <summary>Longest acceptable recovery, in seconds.</summary>
    public const double MaxRecoveryTimeSeconds = 60;

    /// <summary>Spare replicas promised: N+3.</summary>
    public const int RedundancyLevel = 3;

    /// <summary>How often a check runs unless it says otherwise, in seconds.</summary>
    public const double CheckIntervalSeconds = 5;

    /// <summary>How long a check may take before it counts as failed, in seconds.</summary>
    public const double CheckTimeoutSeconds = 2;

    /// <summary>Consecutive failures that move a check to failing (Kubernetes probes use 3).</summary>
    public const int FailureThreshold = 3;

    /// <summary>Consecutive successes that move a check back to passing.</summary>
    public const int SuccessThreshold = 2;

    /// <summary>A heartbeat older than this many check intervals is stale, unless configured.</summary>
    public const int HeartbeatStaleIntervals = 3;

    /// <summary>Where state lives unless configured, relative to the working directory.</summary>
    public const string DataDirectory = ".bulwark";

    /// <summary>The embedded store's file name inside the data directory.</summary>
    public const string DatabaseFileName = "bulwark.db";

    /// <summary>Default HTTP status range that counts as healthy.</summary>
    public const string ExpectedStatus = "200-299";

    /// <summary>Longest accepted component or check name.</summary>
    public const int MaxNameLength = 64;

    /// <summary>
    /// Longest duration any setting takes, in seconds (check intervals and timeouts, heartbeat staleness, leases, trading
    /// windows and intervals): one day. Well inside what the code handles: Task.Delay's limit of 2^32-2 ms (49.7 days),
    /// TimeSpan's range, and seconds times the timestamp frequency in a long.
    /// </summary>
    public const double MaxDurationSeconds = 86_400;

    /// <summary>Longest SLO window, in days: a year.</summary>
    public const double MaxWindowDays = 366;

    /// <summary>Largest replica weight.</summary>
    public const double MaxWeight = 1_000_000;
}
