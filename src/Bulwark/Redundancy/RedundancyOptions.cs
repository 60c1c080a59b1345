namespace Bulwark.Redundancy;

/// <summary>
/// The redundancy topology (the <c>redundancy:</c> section): the services trading relies on, their replicas and where
/// they run, what each depends on, and the capacity N and spare level k each must keep (N+k).
/// </summary>
public sealed class RedundancyOptions
{
    /// <summary>The services (at least one).</summary>
    public IList<RedundantServiceOptions> Services { get; } = new List<RedundantServiceOptions>();

    /// <summary>How often the running system evaluates redundancy from live health, in seconds. Default 5.</summary>
    public double IntervalSeconds { get; set; } = 5;

    /// <summary>Health evidence older than this is stale and does not count, in seconds; null means 3 check intervals.</summary>
    public double? StaleAfterSeconds { get; set; }

    /// <summary>The longest a drill may run before it restores what it stopped and gives up, in seconds. Default 60.</summary>
    public double DrillTimeoutSeconds { get; set; } = 60;
}
