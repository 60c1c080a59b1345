namespace Bulwark.Recovery;

/// <summary>
/// A runbook: steps in sequence (a step may be a parallel group), then a validation, with rollback steps that run when
/// a step or the validation fails. It runs within <c>maxRecoveryTimeSeconds</c> or is cancelled as an SLA violation.
/// </summary>
public sealed class RecoveryPlanOptions
{
    /// <summary>Unique name. Required.</summary>
    public string Name { get; set; } = "";

    /// <summary>What the plan repairs: a component (its events join the component's incidents). Optional.</summary>
    public string? Component { get; set; }

    /// <summary>A line for <c>bulwark recover list</c>.</summary>
    public string? Description { get; set; }

    /// <summary>What starts it automatically; a person can always run it (<c>bulwark recover run</c>).</summary>
    public IList<RecoveryTriggerOptions> Triggers { get; } = new List<RecoveryTriggerOptions>();

    /// <summary>The steps, in order. At least one.</summary>
    public IList<RecoveryStepOptions> Steps { get; } = new List<RecoveryStepOptions>();

    /// <summary>What must hold afterwards, within a deadline; none when null.</summary>
    public RecoveryValidationOptions? Validation { get; set; }

    /// <summary>Steps that undo the plan, run in order when a step or the validation fails.</summary>
    public IList<RecoveryStepOptions> Rollback { get; } = new List<RecoveryStepOptions>();
}
