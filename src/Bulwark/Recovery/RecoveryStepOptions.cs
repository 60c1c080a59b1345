namespace Bulwark.Recovery;

/// <summary>
/// One step of a plan: an action with its fields, or a parallel group (<see cref="Parallel"/>) whose steps run at once.
/// Each has a timeout per attempt, retries with exponential backoff (Polly), an optional condition (<see cref="When"/>),
/// a handler that runs when it fails, and what its failure does to the plan.
/// </summary>
public sealed class RecoveryStepOptions
{
    /// <summary>Name in records; the action's name and position when null.</summary>
    public string? Name { get; set; }

    /// <summary>The action; null for a parallel group.</summary>
    public RecoveryActionKind? Action { get; set; }

    /// <summary>Steps that run at the same time; the group succeeds when all of them do.</summary>
    public IList<RecoveryStepOptions> Parallel { get; } = new List<RecoveryStepOptions>();

    /// <summary>Seconds one attempt may take. Default 30, or the plan's whole time when that is shorter.</summary>
    public double? TimeoutSeconds { get; set; }

    /// <summary>Attempts after the first when it fails. Default 0.</summary>
    public int Retries { get; set; }

    /// <summary>Delay before the first retry, doubled after each (with jitter). Default 1.</summary>
    public double RetryDelaySeconds { get; set; } = 1;

    /// <summary>Runs the step only when it holds.</summary>
    public RecoveryConditionOptions? When { get; set; }

    /// <summary>A step that runs when this one failed; if it succeeds, the plan goes on.</summary>
    public RecoveryStepOptions? Handler { get; set; }

    /// <summary>What a failure that the handler did not mend does to the plan. Default fail.</summary>
    public StepFailure OnFailure { get; set; } = StepFailure.Fail;

    /// <summary>restart, signal, scale: the supervised process.</summary>
    public string? Process { get; set; }

    /// <summary>systemctl: the unit.</summary>
    public string? Unit { get; set; }

    /// <summary>command: the executable.</summary>
    public string? Command { get; set; }

    /// <summary>command: its arguments (no shell).</summary>
    public IList<string> Args { get; } = new List<string>();

    /// <summary>command: the working directory.</summary>
    public string? WorkingDirectory { get; set; }

    /// <summary>http, clearCache: an absolute http(s) URL.</summary>
    public string? Url { get; set; }

    /// <summary>http, clearCache: the method. Default GET for http, POST for clearCache.</summary>
    public string? Method { get; set; }

    /// <summary>http, clearCache: the request body (sent as <c>application/json</c> when it starts with '{' or '[').</summary>
    public string? Body { get; set; }

    /// <summary>http, clearCache: the status (or range) that is success. Default 200-299.</summary>
    public string? ExpectedStatus { get; set; }

    /// <summary>signal: the signal name (SIGHUP, SIGTERM, SIGUSR1, ...).</summary>
    public string? Signal { get; set; }

    /// <summary>signal: a pid file naming the process, for one Bulwark does not supervise.</summary>
    public string? PidFile { get; set; }

    /// <summary>clearCache: the directory to empty.</summary>
    public string? Path { get; set; }

    /// <summary>clearCache: the directory <see cref="Path"/> must lie in; nothing outside it is ever touched.</summary>
    public string? Root { get; set; }

    /// <summary>restoreBackup: the backup (a file or a directory).</summary>
    public string? Source { get; set; }

    /// <summary>restoreBackup: what it replaces.</summary>
    public string? Target { get; set; }

    /// <summary>restoreBackup: a <c>sha256sum</c> file listing every file of the backup (paths relative to it).</summary>
    public string? Manifest { get; set; }

    /// <summary>rollbackDeployment: the directory holding <c>releases/</c> and the <c>current</c> symlink.</summary>
    public string? Deployment { get; set; }

    /// <summary>rollbackDeployment: the release to switch to; the one before the current when null.</summary>
    public string? Release { get; set; }

    /// <summary>scale: the number of replicas to run.</summary>
    public int? Replicas { get; set; }
}
