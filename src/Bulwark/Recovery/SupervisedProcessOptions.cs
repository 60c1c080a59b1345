namespace Bulwark.Recovery;

/// <summary>
/// A process Bulwark starts (no shell) and keeps: restarted after an exit with exponential backoff and jitter, given up
/// on after a crash loop, stopped with a signal and then a kill of its tree. It is watched as the component of the same
/// name, with a <c>process</c> check added (a component of that name in <c>components:</c> keeps its own checks too).
/// </summary>
public sealed class SupervisedProcessOptions
{
    /// <summary>Name, also the component's: letters, digits, '.', '_' and '-'. Required.</summary>
    public string Name { get; set; } = "";

    /// <summary>The executable (looked up on PATH). Required.</summary>
    public string Command { get; set; } = "";

    /// <summary>Arguments, passed as they are; <c>{replica}</c> is replaced by the replica's index (0, 1, ...).</summary>
    public IList<string> Args { get; } = new List<string>();

    /// <summary>Environment added to Bulwark's own; values may use <c>{replica}</c>. <c>BULWARK_REPLICA</c> is always set.</summary>
    public IDictionary<string, string> Environment { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Working directory; Bulwark's own when null.</summary>
    public string? WorkingDirectory { get; set; }

    /// <summary>How many copies run (a process group that <c>scale</c> changes). Default 1.</summary>
    public int Replicas { get; set; } = 1;

    /// <summary>When the supervisor restarts it by itself. Default on-failure.</summary>
    public RestartPolicy Restart { get; set; } = RestartPolicy.OnFailure;

    /// <summary>First restart delay, doubled after each start that did not last (systemd's RestartSec=100ms). Default 0.1.</summary>
    public double RestartDelaySeconds { get; set; } = 0.1;

    /// <summary>Longest restart delay. Default 30.</summary>
    public double MaxRestartDelaySeconds { get; set; } = 30;

    /// <summary>Random spread of each delay, a fraction: 0.1 is ±10 %. Default 0.1.</summary>
    public double RestartJitter { get; set; } = 0.1;

    /// <summary>A run this long counts as a good start: the next delay starts from the first again. Default 10.</summary>
    public double StableAfterSeconds { get; set; } = 10;

    /// <summary>Starts allowed within <see cref="StartLimitIntervalSeconds"/> before the supervisor gives up (systemd: 5). Default 5.</summary>
    public int StartLimitBurst { get; set; } = 5;

    /// <summary>The window of <see cref="StartLimitBurst"/>, in seconds (systemd: 10). Default 10.</summary>
    public double StartLimitIntervalSeconds { get; set; } = 10;

    /// <summary>The signal of a graceful stop. Default SIGTERM.</summary>
    public string StopSignal { get; set; } = "SIGTERM";

    /// <summary>How long a stop waits after the signal before it kills the whole tree, in seconds. Default 10.</summary>
    public double StopGraceSeconds { get; set; } = 10;

    /// <summary>Criticality of the component, when <c>components:</c> does not have one of this name. Default standard.</summary>
    public Criticality Criticality { get; set; } = Criticality.Standard;
}
