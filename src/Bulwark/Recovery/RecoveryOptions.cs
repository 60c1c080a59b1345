namespace Bulwark.Recovery;

/// <summary>
/// The <c>recovery:</c> section: processes Bulwark starts and keeps running, and the plans (runbooks) that repair what
/// broke. Bound by <see cref="RecoveryConfigurationBinder"/>, checked by <see cref="RecoveryOptionsValidator"/>.
/// </summary>
public sealed class RecoveryOptions
{
    /// <summary>Processes to start and keep: each is also a component with a <c>process</c> check.</summary>
    public IList<SupervisedProcessOptions> Processes { get; } = new List<SupervisedProcessOptions>();

    /// <summary>Recovery plans: steps, validation and rollback, with the triggers that start them.</summary>
    public IList<RecoveryPlanOptions> Plans { get; } = new List<RecoveryPlanOptions>();

    /// <summary>
    /// Automatic runs of one plan for one subject allowed within <see cref="AutomaticRunWindowSeconds"/>; past that the
    /// plan is not run again automatically and the subject is escalated (a person can still run it). Default 3.
    /// </summary>
    public int MaxAutomaticRuns { get; set; } = 3;

    /// <summary>The window over which <see cref="MaxAutomaticRuns"/> counts, in seconds. Default 3,600.</summary>
    public double AutomaticRunWindowSeconds { get; set; } = 3600;
}
