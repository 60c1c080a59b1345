namespace Bulwark.Trading;

/// <summary>
/// The gate's trading state now, for people and tools (the server's status, the dashboard): the firm's state, and every
/// scope that is not simply active with what holds it (kill switch, loss limit, system state, ...). The kill switches
/// carry who engaged them and why, from the last <c>killswitch.*</c> event of their scope.
/// </summary>
internal sealed record TradingSnapshot(TradingState State, IReadOnlyList<ScopeSnapshot> Scopes, IReadOnlyList<KillSwitchSnapshot> KillSwitches)
{
    /// <summary>Reads the gate, then the store for the kill switches' last events.</summary>
    public static async Task<TradingSnapshot> TakeAsync(TradingSafetyBridge trading, IEventStore store, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(trading);
        ArgumentNullException.ThrowIfNull(store);
        var gate = trading.Gate;
        var scopes = new List<ScopeSnapshot>();
        var engaged = new List<string>();
        for (var index = 0; index < gate.Universe.ScopeCount; index++)
        {
            var sources = new List<string>();
            for (var source = 0; source < RiskGate.SourceCount; source++)
            {
                if (gate.GetSource(index, source) != 0)
                {
                    sources.Add(RiskGate.SourceName(source));
                }
            }

            var name = gate.ScopeNameOf(index);
            if (gate.GetSource(index, RiskGate.KillSwitchSource) != 0)
            {
                engaged.Add(name);
            }

            if (sources.Count > 0)
            {
                TradingScope.TryParse(name, out var scope);
                scopes.Add(new ScopeSnapshot(name, gate.GetTradingState(scope), sources));
            }
        }

        var killSwitches = new List<KillSwitchSnapshot>();
        if (engaged.Count > 0)
        {
            var events = await store.ReadAsync(new EventQuery { KindPrefix = TradingEventKinds.KillSwitchPrefix, Limit = int.MaxValue }, cancellationToken).ConfigureAwait(false);
            foreach (var name in engaged)
            {
                var last = events.LastOrDefault(e => e.Subject == name && e.Kind == TradingEventKinds.KillSwitchEngaged);
                killSwitches.Add(new KillSwitchSnapshot(name, last?.Actor, last?.Cause, last?.Time, last?.Sequence));
            }
        }

        return new TradingSnapshot(gate.GetTradingState(TradingScope.Firm), scopes, killSwitches);
    }
}

/// <summary>A scope that is not simply active: its own state and the sources that hold it.</summary>
internal sealed record ScopeSnapshot(string Scope, TradingState State, IReadOnlyList<string> HeldBy);

/// <summary>An engaged kill switch: its scope, and who engaged it, why and when (null when its event is not on the store yet).</summary>
internal sealed record KillSwitchSnapshot(string Scope, string? EngagedBy, string? Reason, DateTimeOffset? EngagedAt, long? Sequence);
