namespace Bulwark.Redundancy;

/// <summary>One service's redundancy now: N, k, the healthy replicas and the level reached (healthy − N).</summary>
public sealed record ServiceRedundancy
{
    /// <summary>The service.</summary>
    public required string Name { get; init; }

    /// <summary>How its replicas back each other up.</summary>
    public required RedundancyType Type { get; init; }

    /// <summary>Healthy replicas it needs (N).</summary>
    public required int Capacity { get; init; }

    /// <summary>Spare replicas it must keep (k).</summary>
    public required int Required { get; init; }

    /// <summary>Replicas healthy now (a cold standby counts when its start command resolves).</summary>
    public required int Healthy { get; init; }

    /// <summary>Its replicas.</summary>
    public required int Total { get; init; }

    /// <summary>The level reached: healthy − N (N+0 … N+k; negative below N).</summary>
    public int Level => Healthy - Capacity;

    /// <summary>True when healthy ≥ N + k.</summary>
    public bool Met => Level >= Required;

    /// <summary>Each replica and what its health rests on.</summary>
    public required IReadOnlyList<ReplicaRedundancy> Replicas { get; init; }
}

/// <summary>One replica now.</summary>
public sealed record ReplicaRedundancy(string Name, ReplicaRole Role, string Host, string Zone, string Region, bool Healthy, bool Leader, string Evidence);
