namespace Bulwark.Redundancy;

/// <summary>What a replica does while all is well (<c>redundancy.services[].replicas[].role</c>).</summary>
public enum ReplicaRole
{
    /// <summary>It serves (or, in a failover group, competes for the lease).</summary>
    Active = 0,

    /// <summary>It waits to take over; its readiness is checked.</summary>
    Standby = 1,
}
