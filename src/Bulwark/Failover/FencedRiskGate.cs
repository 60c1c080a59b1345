using Bulwark.Trading;

namespace Bulwark.Failover;

/// <summary>
/// The risk gate of a replica in a failover group: a new order passes only while this replica leads (by its
/// elector's own clock, fail closed), and an accepted order carries the term's <see cref="FencingToken"/>, which the
/// order must take to the venue so that a deposed leader's late orders are refused there. Cancels are never blocked.
/// </summary>
public sealed class FencedRiskGate
{
    private readonly RiskGate _gate;
    private readonly LeaderElector _elector;

    /// <summary>Wraps <paramref name="gate"/> with <paramref name="elector"/>'s leadership.</summary>
    public FencedRiskGate(RiskGate gate, LeaderElector elector)
    {
        _gate = gate ?? throw new ArgumentNullException(nameof(gate));
        _elector = elector ?? throw new ArgumentNullException(nameof(elector));
    }

    /// <summary>The wrapped gate (positions, fills, kill switch).</summary>
    public RiskGate Gate => _gate;

    /// <summary>
    /// Checks one order. Rejected with <see cref="RiskRejectReason.NotLeader"/> when leadership is not held; when
    /// accepted, <paramref name="token"/> is the token to send with it (default when rejected).
    /// </summary>
    public RiskDecision Check(in OrderRequest order, out FencingToken token)
    {
        if (order.Action == OrderAction.Cancel)
        {
            token = _elector.Token ?? default;
            return _gate.Check(order);
        }

        if (_elector.Token is not { } before)
        {
            token = default;
            return RiskDecision.Rejected(RiskRejectReason.NotLeader);
        }

        var decision = _gate.Check(order);
        if (decision.IsAccepted && _elector.Token != before)
        {
            // The term ended while the order was checked: release its reservation, send nothing.
            _gate.OnReject(order.ClientOrderId);
            token = default;
            return RiskDecision.Rejected(RiskRejectReason.NotLeader);
        }

        token = decision.IsAccepted ? before : default;
        return decision;
    }
}
