namespace Bulwark.Recovery;

/// <summary>How one run of a plan ended, with its id and its total time.</summary>
internal sealed record RecoveryOutcome(string Execution, string Outcome, TimeSpan Duration, string Cause)
{
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";
    public const string TimedOut = "timed out";
    public const string Interrupted = "interrupted";

    public bool Healed => Outcome == Succeeded;
}
