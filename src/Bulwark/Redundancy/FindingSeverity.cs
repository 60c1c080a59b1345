namespace Bulwark.Redundancy;

/// <summary>How much a redundancy finding matters.</summary>
public enum FindingSeverity
{
    /// <summary>Worth knowing; nothing is at risk.</summary>
    Info = 0,

    /// <summary>Less redundancy than promised, or a standby that would not take over; trading is not yet at risk.</summary>
    Warning = 1,

    /// <summary>One more loss (or none) stops a service trading depends on.</summary>
    Critical = 2,
}
