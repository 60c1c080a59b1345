namespace Bulwark.Redundancy;

/// <summary>Kinds of the events the redundancy validator writes; the subject is the service (<c>redundancy:NAME</c>).</summary>
public static class RedundancyEventKinds
{
    /// <summary>The first level observed of a service after start; From is empty, To the level (N+2).</summary>
    public const string LevelObserved = "redundancy.level_observed";

    /// <summary>A service's level fell (From and To are levels such as N+3 and N+1); the cause names the replicas lost.</summary>
    public const string LevelDropped = "redundancy.level_dropped";

    /// <summary>A service's level rose again.</summary>
    public const string LevelReturned = "redundancy.level_returned";

    /// <summary>A service fell below N+1 (no spare left): opens an incident on its subject.</summary>
    public const string BelowSpare = "redundancy.below_spare";

    /// <summary>A service is at N+1 or more again: resolves that incident.</summary>
    public const string SpareRestored = "redundancy.spare_restored";

    /// <summary>A failover or zone drill's report, in the evidence (<see cref="DrillReport"/>).</summary>
    public const string Drill = "redundancy.drill";

    /// <summary>The subject of a service's events and incidents.</summary>
    public static string Subject(string service) => "redundancy:" + service;
}
