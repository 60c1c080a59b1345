namespace Bulwark.Recovery;

/// <summary>The bounds the recovery code handles; the validator holds every value to them.</summary>
internal static class RecoveryLimits
{
    /// <summary>Longest plan (maxRecoveryTimeSeconds when a recovery section exists): one day.</summary>
    public const double MaxPlanSeconds = 86_400;

    /// <summary>Longest restart delay, stop grace or retry delay: one hour.</summary>
    public const double MaxDelaySeconds = 3_600;

    /// <summary>
    /// Longest window (start limit, stability, automatic runs): 30 days, inside Task.Delay's limit of 2^32-2 ms
    /// (49.7 days) and TimeSpan's range.
    /// </summary>
    public const double MaxWindowSeconds = 30 * 86_400;

    /// <summary>Most replicas of one process.</summary>
    public const int MaxReplicas = 64;

    /// <summary>Most retries of one step.</summary>
    public const int MaxRetries = 20;

    /// <summary>Most starts in a start-limit window, checks of a trigger, automatic runs.</summary>
    public const int MaxCount = 1_000;

    /// <summary>Most characters of a step's output kept in its record.</summary>
    public const int OutputTail = 2_048;

    /// <summary>Timeout of a <c>when.command</c> condition.</summary>
    public static readonly TimeSpan ConditionTimeout = TimeSpan.FromSeconds(10);
}
