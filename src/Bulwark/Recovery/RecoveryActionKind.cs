namespace Bulwark.Recovery;

/// <summary>What a step does.</summary>
public enum RecoveryActionKind
{
    /// <summary>Restart a supervised process (<c>process</c>): the replicas that are down, or all of them one by one.</summary>
    Restart,

    /// <summary><c>systemctl restart UNIT</c> (<c>unit</c>).</summary>
    Systemctl,

    /// <summary>Run a command without a shell (<c>command</c>, <c>args</c>): exit code 0 is success, output kept bounded.</summary>
    Command,

    /// <summary>An HTTP request (<c>url</c>, <c>method</c>, <c>body</c>) that must answer <c>expectedStatus</c>.</summary>
    Http,

    /// <summary>Send a signal (<c>signal</c>) to a supervised process (<c>process</c>) or to the pid in <c>pidFile</c>.</summary>
    Signal,

    /// <summary>Empty a directory (<c>path</c>) inside <c>root</c>, following no symlink; or ask an endpoint (<c>url</c>).</summary>
    ClearCache,

    /// <summary>Copy <c>source</c> over <c>target</c> after checking every file's SHA-256 against <c>manifest</c>; atomic.</summary>
    RestoreBackup,

    /// <summary>Point <c>deployment</c>/current at the previous release (or <c>release</c>) in <c>deployment</c>/releases; atomic.</summary>
    RollbackDeployment,

    /// <summary>Set the number of replicas of a supervised process (<c>process</c>, <c>replicas</c>).</summary>
    Scale,
}
