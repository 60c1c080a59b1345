using System.Text.Json;

namespace Bulwark.Trading;

/// <summary>What the engine must do when a kill switch is engaged: cancel every working order in the scope.</summary>
public sealed class CancelAllRequestedEventArgs(TradingScope scope, IReadOnlyList<long> clientOrderIds, string who, string reason) : EventArgs
{
    /// <summary>The scope engaged.</summary>
    public TradingScope Scope { get; } = scope;

    /// <summary>Client order ids the gate knows to be working in the scope when the switch was engaged.</summary>
    public IReadOnlyList<long> ClientOrderIds { get; } = clientOrderIds;

    /// <summary>Who engaged it.</summary>
    public string Who { get; } = who;

    /// <summary>Why.</summary>
    public string Reason { get; } = reason;
}

/// <summary>
/// Kill switches at firm, account, strategy and symbol scope (RTS 6 art. 12, FIA 1.5). Engaged means every
/// new order in scope is rejected, at once; cancels still pass. It latches: it stays engaged, across restarts,
/// until a named person releases it with a reason. Both actions are written to the event store before they
/// are acknowledged, and <see cref="RestoreAsync"/> replays them on start.
/// </summary>
public sealed class KillSwitch
{
    private readonly RiskGate _gate;
    private readonly IEventStore _store;
    private readonly SemaphoreSlim _serial = new(1, 1);

    /// <summary>Creates the kill switch of a gate, persisted to <paramref name="store"/>.</summary>
    public KillSwitch(RiskGate gate, IEventStore store)
    {
        _gate = gate ?? throw new ArgumentNullException(nameof(gate));
        _store = store ?? throw new ArgumentNullException(nameof(store));
    }

    /// <summary>The gate this switch stops.</summary>
    internal RiskGate Gate => _gate;

    /// <summary>Raised after every engage and release is recorded here (the scope, engaged or not, who, why).</summary>
    public event Action<KillSwitchState>? Changed;

    /// <summary>Raised after an engage is recorded: the engine subscribes and cancels every working order in scope.</summary>
    public event EventHandler<CancelAllRequestedEventArgs>? CancelAllRequested;

    /// <summary>
    /// Called under the gate's lock at the instant a local engage or release takes effect on the gate (an engage before
    /// it is written, a release after), never for a change applied from the shared state. The replication counts the
    /// change as its own from that instant, so no shared state can be applied in between and undo it.
    /// </summary>
    internal Action<KillSwitchState>? LocalChangeTakingEffect { get; set; }

    /// <summary>
    /// Engages the switch for a scope. New orders in scope are rejected before this method writes anything
    /// (a failing store never delays the stop); it completes once the action is on the store. When the store
    /// write fails the switch stays engaged and the exception propagates.
    /// </summary>
    public Task EngageAsync(TradingScope scope, string who, string reason, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(who);
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        return EngageCoreAsync(scope, who, reason, stillApplies: null, cancellationToken);
    }

    /// <summary>
    /// Releases the switch for a scope. The release is written first; only when it is on the store does
    /// trading resume, so a crash in between leaves the switch engaged.
    /// </summary>
    public Task ReleaseAsync(TradingScope scope, string who, string reason, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(who);
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        return ReleaseCoreAsync(scope, who, reason, stillApplies: null, cancellationToken);
    }

    /// <summary>
    /// Applies a state from the installation's shared kill switch, unless this gate is already so or
    /// <paramref name="stillApplies"/> (asked under the gate's lock, just before the gate changes) says a newer local
    /// change has taken effect meanwhile. Returns true when the gate was changed.
    /// </summary>
    internal Task<bool> ApplySharedAsync(TradingScope scope, KillSwitchState target, Func<bool> stillApplies, CancellationToken cancellationToken) =>
        target.Engaged
            ? EngageCoreAsync(scope, target.Who, target.Reason, stillApplies, cancellationToken)
            : ReleaseCoreAsync(scope, target.Who, target.Reason, stillApplies, cancellationToken);

    private async Task<bool> EngageCoreAsync(TradingScope scope, string who, string reason, Func<bool>? stillApplies, CancellationToken cancellationToken)
    {
        var index = _gate.ScopeIndexOrThrow(scope);
        var state = new KillSwitchState(scope.ToString(), true, who, reason);
        List<long> working;
        SafetyEvent engaged;
        lock (_gate.Sync)
        {
            if (stillApplies is not null && (IsEngaged(index) || !stillApplies()))
            {
                return false;
            }

            _gate.SetSource(index, RiskGate.KillSwitchSource, RiskGate.KilledBit, who, reason);
            working = _gate.WorkingOrdersIn(scope);
            engaged = _gate.NewEvent(TradingEventKinds.KillSwitchEngaged, scope.ToString(), reason, who) with { To = "engaged" };
            if (stillApplies is null)
            {
                LocalChangeTakingEffect?.Invoke(state);
            }
        }

        await _serial.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _store.AppendAsync(engaged, cancellationToken).ConfigureAwait(false);
            await _store.AppendAsync(
                _gate.NewEvent(TradingEventKinds.CancelAllRequested, scope.ToString(), reason, who, JsonSerializer.Serialize(working)),
                cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _serial.Release();
        }

        CancelAllRequested?.Invoke(this, new CancelAllRequestedEventArgs(scope, working, who, reason));
        Changed?.Invoke(state);
        return true;
    }

    private async Task<bool> ReleaseCoreAsync(TradingScope scope, string who, string reason, Func<bool>? stillApplies, CancellationToken cancellationToken)
    {
        var index = _gate.ScopeIndexOrThrow(scope);
        var state = new KillSwitchState(scope.ToString(), false, who, reason);
        await _serial.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (stillApplies is not null && !SharedReleaseApplies(index, stillApplies))
            {
                return false;
            }

            await _store.AppendAsync(
                _gate.NewEvent(TradingEventKinds.KillSwitchReleased, scope.ToString(), reason, who) with { From = "engaged", To = "released" },
                cancellationToken).ConfigureAwait(false);
            lock (_gate.Sync)
            {
                // Asked again: a local engage takes effect without waiting for the store, so one may have come in while
                // the release was written. It is written after this release and wins on restart as it wins here.
                if (stillApplies is not null && !SharedReleaseApplies(index, stillApplies))
                {
                    return false;
                }

                _gate.SetSource(index, RiskGate.KillSwitchSource, 0, who, reason);
                if (stillApplies is null)
                {
                    LocalChangeTakingEffect?.Invoke(state);
                }
            }
        }
        finally
        {
            _serial.Release();
        }

        Changed?.Invoke(state);
        return true;
    }

    private bool SharedReleaseApplies(int index, Func<bool> stillApplies)
    {
        lock (_gate.Sync)
        {
            return IsEngaged(index) && stillApplies();
        }
    }

    private bool IsEngaged(int index) => _gate.GetSource(index, RiskGate.KillSwitchSource) != 0;

    /// <summary>True when the switch of exactly this scope is engaged.</summary>
    public bool IsEngaged(TradingScope scope) =>
        _gate.GetSource(_gate.ScopeIndexOrThrow(scope), RiskGate.KillSwitchSource) != 0;

    /// <summary>
    /// Replays every <c>killswitch.*</c> event of the store, oldest first, and latches the scopes whose last
    /// action was an engage. Call on start, before the first order. Returns the scopes engaged. A scope the
    /// gate no longer knows engages the whole firm (fail closed).
    /// </summary>
    public async Task<IReadOnlyList<TradingScope>> RestoreAsync(CancellationToken cancellationToken = default)
    {
        var events = await _store.ReadAsync(
            new EventQuery { KindPrefix = TradingEventKinds.KillSwitchPrefix, Limit = int.MaxValue },
            cancellationToken).ConfigureAwait(false);
        var last = new Dictionary<string, SafetyEvent>(StringComparer.Ordinal);
        foreach (var e in events.OrderBy(e => e.Sequence))
        {
            last[e.Subject] = e;
        }

        var engaged = new List<TradingScope>();
        lock (_gate.Sync)
        {
            foreach (var (subject, e) in last)
            {
                if (e.Kind != TradingEventKinds.KillSwitchEngaged)
                {
                    continue;
                }

                var scope = TradingScope.TryParse(subject, out var parsed) && _gate.Universe.ScopeIndex(parsed) >= 0
                    ? parsed
                    : TradingScope.Firm;
                _gate.SetSource(_gate.Universe.ScopeIndex(scope), RiskGate.KillSwitchSource, RiskGate.KilledBit,
                    e.Actor ?? "unknown", "restored from the event store: " + e.Cause);
                engaged.Add(scope);
            }
        }

        return engaged;
    }
}
