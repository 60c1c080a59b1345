namespace Bulwark.Recovery;

/// <summary>What a failed step (after its retries and its handler) does to the plan (SSM's <c>onFailure</c>).</summary>
public enum StepFailure
{
    /// <summary>The plan fails: rollback runs, the subject is escalated. The default.</summary>
    Fail,

    /// <summary>Recorded, and the plan goes on with the next step.</summary>
    Continue,
}
