namespace Bulwark.Recovery.Actions;

/// <summary>
/// One thing a step does. <see cref="Describe"/> says exactly what will run (resolved paths and commands, for dry runs
/// and records); <see cref="RunAsync"/> does it and returns what it did, or throws <see cref="RecoveryActionException"/>
/// saying what went wrong. It honours the token: a cancelled action leaves no process behind.
/// </summary>
internal interface IRecoveryAction
{
    string Describe();

    Task<string> RunAsync(ActionContext context, CancellationToken cancellationToken);
}

/// <summary>What an action may need to know about the run it belongs to.</summary>
/// <param name="Manual">A person asked for the run (a restart resets the start limit, as <c>systemctl reset-failed</c>).</param>
internal sealed record ActionContext(bool Manual);
