using System.Runtime.CompilerServices;
using Bulwark.Failover;

namespace Bulwark.Trading;

/// <summary>
/// What opens a gate that needs leadership: this replica's term (from its elector) and, when the kill switch is
/// shared across machines, a live view of it. Both must hold for a new order to pass; either one missing reads as
/// not leader (fail closed). Changes are rare and serialised here; the order path reads one field.
/// </summary>
internal sealed class Leadership
{
    private static readonly ConditionalWeakTable<RiskGate, Leadership> Gates = [];
    private readonly RiskGate _gate;
    private readonly object _sync = new(); // a monitor, which the Coyote tests control (System.Threading.Lock they cannot)
    private LeadershipTerm _term = LeadershipTerm.NotRequired;
    private bool _killSwitchInSync = true;

    private Leadership(RiskGate gate) => _gate = gate;

    public static Leadership For(RiskGate gate) => Gates.GetValue(gate, g => new Leadership(g));

    /// <summary>The elector's term (its token and deadline), or <see cref="LeadershipTerm.Closed"/> when not leader.</summary>
    public void SetTerm(LeadershipTerm term)
    {
        lock (_sync)
        {
            _term = term;
            Publish();
        }
    }

    /// <summary>Closes the gate if <paramref name="term"/> is still the one it trades under (a late callback never closes a newer term).</summary>
    public void EndTerm(LeadershipTerm term)
    {
        lock (_sync)
        {
            if (ReferenceEquals(_term, term))
            {
                _term = LeadershipTerm.Closed;
                Publish();
            }
        }
    }

    /// <summary>Whether the shared kill-switch state is known to be current (connected, re-read since any loss, nothing refused).</summary>
    public void SetKillSwitchInSync(bool inSync)
    {
        lock (_sync)
        {
            _killSwitchInSync = inSync;
            Publish();
        }
    }

    private void Publish() => _gate.WriteLeadership(!_killSwitchInSync ? LeadershipTerm.Closed : _term);
}
