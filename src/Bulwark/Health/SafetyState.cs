namespace Bulwark;

/// <summary>
/// State of a component or of the whole system. Ordered worst first, so the state of a group is the
/// minimum of its members'. <see cref="Unknown"/> (no evidence yet) ranks below every good state: not
/// knowing is never treated as healthy.
/// </summary>
public enum SafetyState
{
    /// <summary>Down: every check of the component is failing, or a critical component is.</summary>
    Failed = 0,

    /// <summary>Partly down: some checks are failing, or a critical component is partly down.</summary>
    Critical = 1,

    /// <summary>Not enough evidence yet to say.</summary>
    Unknown = 2,

    /// <summary>Was failing and now passes, but not yet for enough consecutive results.</summary>
    Recovering = 3,

    /// <summary>Up, with a warning (a check reported degraded, or a non-critical dependency is down).</summary>
    Degraded = 4,

    /// <summary>Every check passing.</summary>
    Healthy = 5,
}

/// <summary>Result of one run of a check, ordered worst first like ASP.NET Core's <c>HealthStatus</c>.</summary>
public enum CheckStatus
{
    /// <summary>The check failed, threw or timed out.</summary>
    Unhealthy = 0,

    /// <summary>The check passed with a warning.</summary>
    Degraded = 1,

    /// <summary>The check passed.</summary>
    Healthy = 2,
}
