namespace Bulwark.Recovery;

/// <summary>Why a plan runs: what started it, in words, and for a person's run who and why.</summary>
/// <param name="Kind">processExit, state, alert, incident, failover, manual or coalesced.</param>
/// <param name="Description">What happened, for records.</param>
/// <param name="By">Who asked, for a manual run.</param>
/// <param name="Reason">Why, for a manual run.</param>
/// <param name="Request">The sequence of the request event, for a run asked for through the store.</param>
internal sealed record RecoveryTrigger(string Kind, string Description, string? By = null, string? Reason = null, long? Request = null)
{
    public bool Manual => Kind == "manual";

    public static RecoveryTrigger Person(string by, string reason, long? request = null) =>
        new("manual", $"run by {by}: {reason}", by, reason, request);
}
