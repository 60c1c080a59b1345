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
}

/// <summary>One failover group: the lease's timing, and whether the risk gate follows its leadership.</summary>
public sealed class FailoverGroupOptions
{
    /// <summary>The group's name (1 to 64 letters, digits, '.', '_' or '-').</summary>
    public string Name { get; set; } = "";

    /// <summary>When true, the risk gate trades only while this replica leads this group (at most one group).</summary>
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
