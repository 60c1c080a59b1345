using Bulwark.Trading;

namespace Bulwark.Failover;

/// <summary>Ties a replica's leadership to its risk gate.</summary>
public static class LeadershipBinding
{
    /// <summary>
    /// From now on the gate trades only while <paramref name="elector"/> leads, and stamps the term's token on every
    /// accepted order. It is closed at once (not leader until a term begins); each term reopens it with its token,
    /// and the term's end closes it again, including the deadline reached while the elector's loop is paused.
    /// </summary>
    public static void BindTo(this LeaderElector elector, RiskGate gate)
    {
        ArgumentNullException.ThrowIfNull(elector);
        ArgumentNullException.ThrowIfNull(gate);
        gate.SetLeadership(null);
        elector.Changed += change =>
        {
            if (!change.IsLeader)
            {
                gate.SetLeadership(null);
                return;
            }

            gate.SetLeadership(change.Token);

            // The term's end, whatever ends it (refusal, deadline timer, stop), closes the gate.
            elector.LeadershipToken.Register(() => gate.SetLeadership(null));
        };
    }
}
