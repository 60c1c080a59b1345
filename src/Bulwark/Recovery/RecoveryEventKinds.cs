namespace Bulwark.Recovery;

/// <summary>
/// Event kinds of the recovery system. Stable names: stores and tools match on them. The subject is the plan's component
/// (or <c>recovery:PLAN</c>), so the availability monitor links them to that component's incident; the evidence holds
/// <c>execution</c>, the id of the run they belong to.
/// </summary>
public static class RecoveryEventKinds
{
    /// <summary>A person asked for a plan (<c>bulwark recover run</c>); the running system picks it up.</summary>
    public const string Requested = "recovery.requested";

    /// <summary>A plan began: its trigger, who, why.</summary>
    public const string Started = "recovery.started";

    /// <summary>A step began.</summary>
    public const string StepStarted = "recovery.step_started";

    /// <summary>A step ended: outcome (succeeded, failed, skipped, handled), attempts, duration, bounded output.</summary>
    public const string StepFinished = "recovery.step_finished";

    /// <summary>The validation's result.</summary>
    public const string Validated = "recovery.validated";

    /// <summary>Rollback began, and why.</summary>
    public const string RollbackStarted = "recovery.rollback_started";

    /// <summary>Rollback ended.</summary>
    public const string RollbackFinished = "recovery.rollback_finished";

    /// <summary>The plan ended well (validated when it has a validation); total time against the SLA.</summary>
    public const string Succeeded = "recovery.succeeded";

    /// <summary>The plan failed (a step or the validation); total time.</summary>
    public const string Failed = "recovery.failed";

    /// <summary>The plan ran past maxRecoveryTimeSeconds and was cancelled.</summary>
    public const string TimedOut = "recovery.timed_out";

    /// <summary>The plan was running when Bulwark stopped; written by the next start (or the stop).</summary>
    public const string Interrupted = "recovery.interrupted";

    /// <summary>A recovery took longer than maxRecoveryTimeSeconds. Opens an incident.</summary>
    public const string SlaViolated = "recovery.sla_violated";

    /// <summary>A recovery failed, or automatic runs stopped healing: a person is needed. Opens an incident.</summary>
    public const string Escalated = "recovery.escalated";

    /// <summary>A trigger came while the same plan ran for the same subject: recorded, not run again.</summary>
    public const string Coalesced = "recovery.coalesced";

    /// <summary>A trigger was not acted on: the plan's automatic runs for the subject are used up.</summary>
    public const string Suppressed = "recovery.suppressed";

    /// <summary>A supervised process started (pid, previous pid).</summary>
    public const string ProcessStarted = "recovery.process_started";

    /// <summary>A supervised process exited because Bulwark stopped it.</summary>
    public const string ProcessStopped = "recovery.process_stopped";

    /// <summary>A supervised process exited by itself (crash, kill, unexpected exit). Opens an incident.</summary>
    public const string ProcessFailed = "recovery.process_failed";

    /// <summary>A supervised process hit its start limit (crash loop); the supervisor gave up. Opens an incident.</summary>
    public const string CrashLoop = "recovery.crash_loop";

    /// <summary>True for the kinds that end a run.</summary>
    public static bool IsFinal(string kind) => kind is Succeeded or Failed or TimedOut or Interrupted;

    /// <summary>True for the kinds that open an incident on their subject (or join its open one).</summary>
    public static bool OpensIncident(string kind) => kind is SlaViolated or Escalated or ProcessFailed or CrashLoop;
}
