namespace Bulwark;

/// <summary>
/// A check's settled condition, derived from consecutive results by the component's failure and
/// success thresholds, so that one blip does not flip it.
/// </summary>
public enum CheckCondition
{
    /// <summary>Not enough results yet.</summary>
    Unknown,

    /// <summary>Failed for <c>failureThreshold</c> consecutive results.</summary>
    Failing,

    /// <summary>Was failing; now passing, but for fewer than <c>successThreshold</c> consecutive results.</summary>
    Recovering,

    /// <summary>Passing, and the latest result was degraded.</summary>
    Warning,

    /// <summary>Passing.</summary>
    Passing,
}
