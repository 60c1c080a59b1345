namespace Bulwark;

/// <summary>One watched component: a name, how much the system depends on it, and its checks.</summary>
public sealed class ComponentOptions
{
    /// <summary>Unique name: letters, digits, '.', '_' and '-', at most 64 characters.</summary>
    public string Name { get; set; } = "";

    /// <summary>How the component's state counts toward the system state.</summary>
    public Criticality Criticality { get; set; } = Criticality.Standard;

    /// <summary>Consecutive failed results before a check counts as failing.</summary>
    public int FailureThreshold { get; set; } = BulwarkDefaults.FailureThreshold;

    /// <summary>Consecutive good results before a failing (or new) check counts as passing.</summary>
    public int SuccessThreshold { get; set; } = BulwarkDefaults.SuccessThreshold;

    /// <summary>One or more checks; the component is judged on all of them.</summary>
    public IList<CheckOptions> Checks { get; } = new List<CheckOptions>();
}

/// <summary>How much the system state depends on a component.</summary>
public enum Criticality
{
    /// <summary>The system is no better than this component.</summary>
    Critical,

    /// <summary>Losing it degrades the system.</summary>
    Standard,

    /// <summary>Watched and reported; never changes the system state.</summary>
    Informational,
}
