using System.Runtime.CompilerServices;

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
    private readonly Lock _sync = new();
    private long _term = -1; // -1: no elector bound (leadership not required), 0: not leader, > 0: the term's token
    private bool _killSwitchInSync = true;

    private Leadership(RiskGate gate) => _gate = gate;

    public static Leadership For(RiskGate gate) => Gates.GetValue(gate, g => new Leadership(g));

    /// <summary>The elector's term: a token while leading, null when not.</summary>
    public void SetTerm(Bulwark.Failover.FencingToken? token)
    {
        lock (_sync)
        {
            _term = token?.Value ?? 0;
            Publish();
        }
    }

    /// <summary>Whether the shared kill-switch state is known to be current (connected and re-read since any loss).</summary>
    public void SetKillSwitchInSync(bool inSync)
    {
        lock (_sync)
        {
            _killSwitchInSync = inSync;
            Publish();
        }
    }

    private void Publish() => _gate.WriteLeadership(!_killSwitchInSync ? 0 : _term);
}
