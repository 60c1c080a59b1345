namespace Bulwark.Redundancy;

/// <summary>One service of the topology: its replicas, dependencies, capacity N and spare level k.</summary>
public sealed class RedundantServiceOptions
{
    /// <summary>The service's name (1 to 64 letters, digits, '.', '_' or '-'), unique.</summary>
    public string Name { get; set; } = "";

    /// <summary>How its replicas back each other up. Default active-passive.</summary>
    public RedundancyType Type { get; set; } = RedundancyType.ActivePassive;

    /// <summary>Healthy replicas it needs to carry its load (N). Default 1.</summary>
    public int Capacity { get; set; } = 1;

    /// <summary>Spare replicas it must keep beyond N (k); null means the top-level <c>redundancyLevel</c>.</summary>
    public int? Level { get; set; }

    /// <summary>The services it cannot work without.</summary>
    public IList<string> DependsOn { get; } = new List<string>();

    /// <summary>
    /// True when trading depends on it directly. The services trading depends on are these and everything they depend on;
    /// when no service sets it, every service counts.
    /// </summary>
    public bool Trading { get; set; }

    /// <summary>A failover group of the <c>failover:</c> section whose replicas these are (routed groups give their replicas; an active-passive group its leader).</summary>
    public string? FailoverGroup { get; set; }

    /// <summary>A supervised process of the <c>recovery:</c> section whose replicas these are (<c>NAME.0</c>, <c>NAME.1</c>, ...; health from its pid files).</summary>
    public string? Process { get; set; }

    /// <summary>Default host of its replicas.</summary>
    public string? Host { get; set; }

    /// <summary>Default zone of its replicas.</summary>
    public string? Zone { get; set; }

    /// <summary>Default region of its replicas.</summary>
    public string? Region { get; set; }

    /// <summary>Trading below N healthy replicas: Reducing (default) or Halted.</summary>
    public Bulwark.Trading.TradingState BelowCapacity { get; set; } = Bulwark.Trading.TradingState.Reducing;

    /// <summary>Its replicas; those derived from <see cref="FailoverGroup"/> or <see cref="Process"/> may be listed to give their placement.</summary>
    public IList<RedundantReplicaOptions> Replicas { get; } = new List<RedundantReplicaOptions>();
}
