namespace Bulwark.Redundancy;

/// <summary>One replica of a service: its role, where it runs, and where its health comes from.</summary>
public sealed class RedundantReplicaOptions
{
    /// <summary>Its name, unique in the service (in a failover group, the replica name that holds the lease).</summary>
    public string Name { get; set; } = "";

    /// <summary>active (default) or standby.</summary>
    public ReplicaRole Role { get; set; } = ReplicaRole.Active;

    /// <summary>The machine it runs on (required here or on the service).</summary>
    public string? Host { get; set; }

    /// <summary>Its availability zone (required here or on the service).</summary>
    public string? Zone { get; set; }

    /// <summary>Its region (required here or on the service).</summary>
    public string? Region { get; set; }

    /// <summary>A component whose state is its health (Healthy or Degraded count as healthy).</summary>
    public string? Component { get; set; }

    /// <summary>A pid file: healthy while that process runs (not stopped, not a zombie). Relative to the data directory.</summary>
    public string? PidFile { get; set; }

    /// <summary>A cold standby's start command (an absolute path, or a program on PATH).</summary>
    public string? StartCommand { get; set; }

    /// <summary>Arguments of <see cref="StartCommand"/>.</summary>
    public IList<string> StartArgs { get; } = new List<string>();

    /// <summary>
    /// Arguments of a dry start: when set, <see cref="StartCommand"/> is run with them at each evaluation and the standby
    /// counts only when it exits 0 within 5 s (for example <c>[--check-config]</c>).
    /// </summary>
    public IList<string>? DryStartArgs { get; set; }
}
