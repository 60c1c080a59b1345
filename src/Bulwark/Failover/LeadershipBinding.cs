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
    /// <remarks>
    /// The gate checks each order against the term's deadline on its own clock, so it must read the elector's
    /// (<see cref="TimeProvider"/>): a different one is refused.
    /// </remarks>
    public static void BindTo(this LeaderElector elector, RiskGate gate)
    {
        ArgumentNullException.ThrowIfNull(elector);
        ArgumentNullException.ThrowIfNull(gate);
        if (!ReferenceEquals(elector.Time, gate.Time))
        {
            throw new ArgumentException("the gate and the elector must read the same TimeProvider: the gate compares each order's time with the term's deadline", nameof(gate));
        }

        var leadership = Leadership.For(gate);
        leadership.SetTerm(LeadershipTerm.Closed);
        elector.Changed += change =>
        {
            if (!change.IsLeader || change.Term is not { } term)
            {
                leadership.SetTerm(LeadershipTerm.Closed);
                return;
            }

            leadership.SetTerm(term);

            // The term's end, whatever ends it (refusal, deadline timer, stop), also closes the gate; the deadline in the
            // term already stops every order at its time, so this callback being late changes nothing.
            elector.LeadershipToken.Register(() => leadership.EndTerm(term));
        };
    }
}
