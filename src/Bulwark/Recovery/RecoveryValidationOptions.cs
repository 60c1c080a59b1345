namespace Bulwark.Recovery;

/// <summary>What must hold after a plan's steps: components Healthy on fresh evidence, within a deadline.</summary>
public sealed class RecoveryValidationOptions
{
    /// <summary>
    /// Components that must be Healthy with every check passing on a run that began after the steps ended; the plan's
    /// component when empty.
    /// </summary>
    public IList<string> Healthy { get; } = new List<string>();

    /// <summary>How long the validation may wait, in seconds. Default 30, or the plan's whole time when that is shorter.</summary>
    public double? DeadlineSeconds { get; set; }
}
