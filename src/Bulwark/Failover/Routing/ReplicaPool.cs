using Bulwark.Trading;

namespace Bulwark.Failover.Routing;

/// <summary>How a failover group spreads work over its replicas.</summary>
public enum FailoverStrategy
{
    /// <summary>One replica at a time: the lease holder (<see cref="LeaderElector"/>); the others wait.</summary>
    ActivePassive = 0,

    /// <summary>Every healthy replica serves, in turn; an unhealthy one leaves the pool until it is healthy again.</summary>
    ActiveActive = 1,

    /// <summary>Every healthy replica serves, in proportion to its weight, its health and the inverse of its latency.</summary>
    LoadBalanced = 2,

    /// <summary>The first replica in order whose circuit breaker is closed; an open breaker means the next one.</summary>
    CircuitBreaker = 3,
}

/// <summary>One replica of a group as the router sees it.</summary>
/// <param name="Name">Its name.</param>
/// <param name="Address">Where to reach it (a URL, a host:port; opaque to the pool).</param>
/// <param name="Weight">Its share when load-balanced (default 1).</param>
public sealed record ReplicaEndpoint(string Name, string Address, double Weight = 1);

/// <summary>A change of the pool's healthy capacity.</summary>
public sealed record PoolChange(string Group, int Healthy, int Total, string Cause);

/// <summary>
/// The replicas of one group with their health and latency, for active/active and load-balanced routing. Updates are
/// rare and rebuild an immutable snapshot (a wheel of replica indices laid out by smooth weighted round-robin);
/// <see cref="TrySelect"/> reads the snapshot and turns the wheel with one atomic increment: no lock, no allocation.
/// With no healthy replica it selects nothing (fail closed), never a random or unhealthy one.
/// </summary>
public sealed class ReplicaPool
{
    /// <summary>Slots in the load-balanced wheel: shares are exact to 1/256.</summary>
    internal const int WheelSize = 256;

    private readonly ReplicaEndpoint[] _replicas;
    private readonly SafetyState[] _health;
    private readonly double[] _latencyMs;
    private readonly Lock _sync = new();
    private readonly double _latencyWeight;
    private Snapshot _snapshot;
    private long _cursor = -1;

    /// <summary>Creates the pool; every replica is Unknown (so not selectable) until its health is reported.</summary>
    public ReplicaPool(string group, FailoverStrategy strategy, IReadOnlyList<ReplicaEndpoint> replicas, double latencySmoothing = 0.2)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(group);
        ArgumentNullException.ThrowIfNull(replicas);
        if (strategy is not (FailoverStrategy.ActiveActive or FailoverStrategy.LoadBalanced))
        {
            throw new ArgumentException($"a replica pool routes active-active or load-balanced groups, not {strategy}", nameof(strategy));
        }

        if (replicas.Count == 0 || replicas.Select(r => r.Name).Distinct(StringComparer.Ordinal).Count() != replicas.Count)
        {
            throw new ArgumentException("a pool needs at least one replica, each with its own name", nameof(replicas));
        }

        if (replicas.Any(r => !(r.Weight > 0) || !double.IsFinite(r.Weight)))
        {
            throw new ArgumentException("every replica's weight must be greater than 0", nameof(replicas));
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(latencySmoothing);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(latencySmoothing, 1);
        Group = group;
        Strategy = strategy;
        _replicas = [.. replicas];
        _health = Enumerable.Repeat(SafetyState.Unknown, _replicas.Length).ToArray();
        _latencyMs = new double[_replicas.Length];
        _latencyWeight = latencySmoothing;
        _snapshot = Build();
    }

    /// <summary>The group.</summary>
    public string Group { get; }

    /// <summary>Active/active or load-balanced.</summary>
    public FailoverStrategy Strategy { get; }

    /// <summary>Every replica, in configured order.</summary>
    public IReadOnlyList<ReplicaEndpoint> Replicas => _replicas;

    /// <summary>Replicas that can serve now (Healthy, Degraded or Recovering).</summary>
    public int HealthyCount => Volatile.Read(ref _snapshot).Healthy;

    /// <summary>Raised after every change of the healthy count.</summary>
    public event Action<PoolChange>? CapacityChanged;

    /// <summary>
    /// The next replica to use, or false when none is healthy. Active/active: every healthy replica in turn.
    /// Load-balanced: healthy replicas in proportion to weight × health factor (Healthy 1, Degraded 0.5,
    /// Recovering 0.25) × (fastest latency ÷ own latency).
    /// </summary>
    public bool TrySelect(out ReplicaEndpoint replica)
    {
        var snapshot = Volatile.Read(ref _snapshot);
        var wheel = snapshot.Wheel;
        if (wheel.Length == 0)
        {
            replica = null!;
            return false;
        }

        var turn = (ulong)Interlocked.Increment(ref _cursor);
        replica = _replicas[wheel[(int)(turn % (ulong)wheel.Length)]];
        return true;
    }

    /// <summary>A replica's health (from the SafetyManager's component state); Critical, Failed and Unknown take it out.</summary>
    public void ReportHealth(string replica, SafetyState state)
    {
        var index = IndexOf(replica);
        PoolChange? change = null;
        lock (_sync)
        {
            if (_health[index] == state)
            {
                return;
            }

            var before = _snapshot.Healthy;
            _health[index] = state;
            var after = Rebuild();
            if (after.Healthy != before)
            {
                change = new PoolChange(Group, after.Healthy, _replicas.Length, $"{replica} is {state}");
            }
        }

        if (change is not null)
        {
            CapacityChanged?.Invoke(change);
        }
    }

    /// <summary>One observed latency of a replica, smoothed (exponentially weighted); it steers load-balanced shares.</summary>
    public void ReportLatency(string replica, TimeSpan latency)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(latency, TimeSpan.Zero);
        var index = IndexOf(replica);
        lock (_sync)
        {
            var ms = Math.Max(latency.TotalMilliseconds, 0.001);
            _latencyMs[index] = _latencyMs[index] == 0 ? ms : (_latencyWeight * ms) + ((1 - _latencyWeight) * _latencyMs[index]);
            if (Strategy == FailoverStrategy.LoadBalanced)
            {
                Rebuild();
            }
        }
    }

    /// <summary>Each healthy replica's share of selections now (sums to 1; empty when none is healthy).</summary>
    public IReadOnlyDictionary<string, double> Shares()
    {
        var wheel = Volatile.Read(ref _snapshot).Wheel;
        return wheel.GroupBy(i => _replicas[i].Name).ToDictionary(g => g.Key, g => g.Count() / (double)wheel.Length, StringComparer.Ordinal);
    }

    internal static bool Serves(SafetyState state) => state is SafetyState.Healthy or SafetyState.Degraded or SafetyState.Recovering;

    private static double HealthFactor(SafetyState state) => state switch
    {
        SafetyState.Healthy => 1,
        SafetyState.Degraded => 0.5,
        SafetyState.Recovering => 0.25,
        _ => 0,
    };

    private int IndexOf(string replica)
    {
        var index = Array.FindIndex(_replicas, r => r.Name == replica);
        return index >= 0 ? index : throw new ArgumentException($"no replica named '{replica}' in group {Group}", nameof(replica));
    }

    private Snapshot Rebuild()
    {
        var snapshot = Build();
        Volatile.Write(ref _snapshot, snapshot);
        return snapshot;
    }

    /// <summary>Lays out the wheel (caller holds the lock, or the constructor runs).</summary>
    private Snapshot Build()
    {
        var serving = Enumerable.Range(0, _replicas.Length).Where(i => Serves(_health[i])).ToArray();
        if (serving.Length == 0)
        {
            return new Snapshot([], 0);
        }

        if (Strategy == FailoverStrategy.ActiveActive)
        {
            return new Snapshot(serving, serving.Length);
        }

        var fastest = serving.Select(i => _latencyMs[i]).Where(ms => ms > 0).DefaultIfEmpty(0).Min();
        var weights = serving.Select(i =>
            _replicas[i].Weight * HealthFactor(_health[i]) * (fastest > 0 && _latencyMs[i] > 0 ? fastest / _latencyMs[i] : 1)).ToArray();

        // Smooth weighted round-robin over WheelSize turns: shares follow the weights, and a replica's turns are spread
        // out rather than bunched.
        var current = new double[serving.Length];
        var total = weights.Sum();
        var wheel = new int[WheelSize];
        for (var slot = 0; slot < WheelSize; slot++)
        {
            var best = 0;
            for (var i = 0; i < serving.Length; i++)
            {
                current[i] += weights[i];
                if (current[i] > current[best])
                {
                    best = i;
                }
            }

            current[best] -= total;
            wheel[slot] = serving[best];
        }

        return new Snapshot(wheel, serving.Length);
    }

    private sealed record Snapshot(int[] Wheel, int Healthy);
}
