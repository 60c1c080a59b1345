namespace Bulwark;

/// <summary>Where the leases live.</summary>
public enum CoordinatorBackend
{
    /// <summary>A file shared by the processes of one machine (the embedded default).</summary>
    Sqlite = 0,

    /// <summary>A lease row in PostgreSQL, judged by the server's clock (several machines).</summary>
    PostgreSql = 1,

    /// <summary>An etcd cluster: a leader key on an etcd lease (several machines).</summary>
    Etcd = 2,
}

/// <summary>Failover of this replica (the <c>failover:</c> section): who it is, the coordinator, its groups.</summary>
public sealed class FailoverOptions
{
    /// <summary>This replica's name, unique in each of its groups (required).</summary>
    public string Replica { get; set; } = "";

    /// <summary>The lease coordinator.</summary>
    public FailoverCoordinatorOptions Coordinator { get; } = new();

    /// <summary>The failover groups this replica competes in (at least one).</summary>
    public IList<FailoverGroupOptions> Groups { get; } = new List<FailoverGroupOptions>();
}

/// <summary>The lease coordinator of the <c>failover:</c> section.</summary>
public sealed class FailoverCoordinatorOptions
{
    /// <summary>sqlite (default), postgresql or etcd.</summary>
    public CoordinatorBackend Backend { get; set; } = CoordinatorBackend.Sqlite;

    /// <summary>SQLite: the lease file, relative to the data directory. Default <c>leases.db</c>.</summary>
    public string Path { get; set; } = "leases.db";

    /// <summary>PostgreSQL: the Npgsql connection string (required for that backend).</summary>
    public string? ConnectionString { get; set; }

    /// <summary>etcd: comma-separated member URLs, for example <c>http://127.0.0.1:2379</c> (required for that backend).</summary>
    public string? Endpoints { get; set; }

    /// <summary>
    /// Share the kill switch with every node through this coordinator (etcd watch, PostgreSQL LISTEN/NOTIFY). Default:
    /// true for postgresql and etcd; SQLite cannot share it.
    /// </summary>
    public bool? ShareKillSwitch { get; set; }

    /// <summary>Whether the kill switch is shared, after the default.</summary>
    public bool SharesKillSwitch => ShareKillSwitch ?? Backend != CoordinatorBackend.Sqlite;
}

/// <summary>One replica of a routed group (active-active, load-balanced, circuit-breaker).</summary>
public sealed class FailoverReplicaOptions
{
    /// <summary>The replica's name; for active-active and load-balanced groups, a component whose state is its health.</summary>
    public string Name { get; set; } = "";

    /// <summary>Where to reach it (opaque to Bulwark: a URL, host:port).</summary>
    public string Address { get; set; } = "";

    /// <summary>Its share when load-balanced. Default 1.</summary>
    public double Weight { get; set; } = 1;
}

/// <summary>One failover group: the lease's timing, and whether the risk gate follows its leadership.</summary>
public sealed class FailoverGroupOptions
{
    /// <summary>The group's name (1 to 64 letters, digits, '.', '_' or '-').</summary>
    public string Name { get; set; } = "";

    /// <summary>active-passive (default: a lease, one leader), active-active, load-balanced or circuit-breaker.</summary>
    public Failover.Routing.FailoverStrategy Strategy { get; set; } = Failover.Routing.FailoverStrategy.ActivePassive;

    /// <summary>The replicas of a routed group (every strategy but active-passive), in order of preference.</summary>
    public IList<FailoverReplicaOptions> Replicas { get; } = new List<FailoverReplicaOptions>();

    /// <summary>Graceful degradation: healthy replicas needed for normal trading (active-active and load-balanced); 0 = none.</summary>
    public int RequiredHealthy { get; set; }

    /// <summary>Trading below <see cref="RequiredHealthy"/>: Reducing (default) or Halted.</summary>
    public Bulwark.Trading.TradingState BelowCapacity { get; set; } = Bulwark.Trading.TradingState.Reducing;

    /// <summary>
    /// When true, this process only watches the group (status, redundancy, drills) and never competes for its lease: its
    /// replicas are other processes (engines this one supervises, for example). Active-passive only; not with <see cref="Trading"/>.
    /// </summary>
    public bool Observe { get; set; }

    /// <summary>When true, the risk gate trades only while this replica leads this group (active-passive; at most one group).</summary>
    public bool Trading { get; set; }

    /// <summary>Lease length in seconds. Default 2 (the 1 to 2 s keeps failover under 2 s at p99).</summary>
    public double LeaseSeconds { get; set; } = 2;

    /// <summary>How often the leader renews, in seconds. Default 0.5.</summary>
    public double RenewIntervalSeconds { get; set; } = 0.5;

    /// <summary>How often a follower tries to take the lease, in seconds. Default 0.1.</summary>
    public double RetryIntervalSeconds { get; set; } = 0.1;

    /// <summary>Leadership ends this long before the lease, by the replica's own clock, in seconds. Default 0.5.</summary>
    public double SafetyMarginSeconds { get; set; } = 0.5;

    /// <summary>The elector timing these options describe.</summary>
    public Failover.LeaderElectorOptions ToElectorOptions() => new()
    {
        Ttl = TimeSpan.FromSeconds(LeaseSeconds),
        RenewInterval = TimeSpan.FromSeconds(RenewIntervalSeconds),
        RetryInterval = TimeSpan.FromSeconds(RetryIntervalSeconds),
        SafetyMargin = TimeSpan.FromSeconds(SafetyMarginSeconds),
    };
}
