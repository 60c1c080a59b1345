namespace Bulwark.Redundancy;

/// <summary>How a service's replicas back each other up (<c>redundancy.services[].type</c>).</summary>
public enum RedundancyType
{
    /// <summary>One replica serves (the lease holder of a failover group); the others wait to take over.</summary>
    ActivePassive = 0,

    /// <summary>Every healthy replica serves.</summary>
    ActiveActive = 1,

    /// <summary>Every healthy replica serves a share of the load.</summary>
    LoadDistributed = 2,

    /// <summary>Standbys run and are kept ready to take over at once.</summary>
    HotStandby = 3,

    /// <summary>Standbys are not running; each has a start command that brings it up.</summary>
    ColdStandby = 4,

    /// <summary>Replicas in two or more regions, so the loss of a region leaves the service up.</summary>
    Geographic = 5,
}
