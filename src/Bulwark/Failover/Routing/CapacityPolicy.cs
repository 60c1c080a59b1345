using System.Globalization;
using Bulwark.Trading;

namespace Bulwark.Failover.Routing;

/// <summary>
/// Graceful degradation: while a group has fewer healthy replicas than required, trading moves to
/// <see cref="Below"/> (Reducing or Halted) through the gate's own capacity source, and comes back when capacity does.
/// Every move is a <c>trading.state</c> event with the cause, like every other change of the gate's state.
/// </summary>
public sealed class CapacityPolicy
{
    private readonly RiskGate _gate;

    /// <summary>Applies the policy to <paramref name="gate"/> for <paramref name="pool"/>, now and on every change of its capacity.</summary>
    public CapacityPolicy(ReplicaPool pool, RiskGate gate, int required, TradingState below = TradingState.Reducing)
    {
        ArgumentNullException.ThrowIfNull(pool);
        _gate = gate ?? throw new ArgumentNullException(nameof(gate));
        ArgumentOutOfRangeException.ThrowIfLessThan(required, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(required, pool.Replicas.Count);
        if (below == TradingState.Active)
        {
            throw new ArgumentException("below capacity, trading must be Reducing or Halted", nameof(below));
        }

        Required = required;
        Below = below;
        pool.CapacityChanged += change => Apply(change.Healthy, change.Total, change.Cause);
        Apply(pool.HealthyCount, pool.Replicas.Count, "capacity policy started");
    }

    /// <summary>Healthy replicas needed for normal trading.</summary>
    public int Required { get; }

    /// <summary>What trading becomes below <see cref="Required"/>.</summary>
    public TradingState Below { get; }

    private void Apply(int healthy, int total, string cause)
    {
        var bits = healthy < Required ? RiskGate.StateBits(Below) : 0;
        var why = string.Create(CultureInfo.InvariantCulture, $"{healthy} of {total} replicas healthy, {Required} required ({cause})");
        lock (_gate.Sync)
        {
            _gate.SetSource(0, RiskGate.CapacitySource, bits, "failover", why);
        }
    }
}
