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
/// until a named person releases it with a reason.
/// <list type="bullet">
/// <item>An engage takes effect and raises <see cref="CancelAllRequested"/> before any I/O, then is written to the
/// event store; a write that fails keeps the switch engaged and is retried until it is on the store (see
/// <see cref="NotDurable"/>). No release is accepted while an engage is not on the store.</item>
/// <item>A release is written first and takes effect only once it is on the store, and only if no engage of its scope
/// came in meanwhile (that engage is written after it, so it wins on restart as it wins here).</item>
/// <item>Engages and releases are linearisable: the switch in memory is always what a restart would restore from the
/// store, once every accepted engage is written.</item>
/// </list>
/// <see cref="RestoreAsync"/> replays the store on start.
/// </summary>
public sealed class KillSwitch : IAsyncDisposable
{
    /// <summary>Longest reason accepted, in characters (the shared kill switch carries it to every node).</summary>
    public const int MaximumReasonLength = 1024;

    /// <summary>Longest name of who engages or releases, in characters.</summary>
    public const int MaximumWhoLength = 128;

    private static readonly TimeSpan FirstRetry = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan LastRetry = TimeSpan.FromSeconds(5);

    private readonly RiskGate _gate;
    private readonly IEventStore _store;
    private readonly CancellationTokenSource _stopping = new();

    // Guarded by the gate's lock: a change's version per scope, the writes in the order their changes took effect,
    // and the engages that are not on the store yet.
    private readonly long[] _versions;
    private readonly Queue<Write> _writes = new();
    private readonly List<Write> _notDurable = [];
    private Task _writer = Task.CompletedTask;
    private bool _writing;
    private string? _lastWriteError;

    /// <summary>Creates the kill switch of a gate, persisted to <paramref name="store"/>.</summary>
    public KillSwitch(RiskGate gate, IEventStore store)
    {
        _gate = gate ?? throw new ArgumentNullException(nameof(gate));
        _store = store ?? throw new ArgumentNullException(nameof(store));
        _versions = new long[gate.Universe.ScopeCount];
    }

    /// <summary>The gate this switch stops.</summary>
    internal RiskGate Gate => _gate;

    /// <summary>Raised as each engage and release takes effect here (the scope, engaged or not, who, why).</summary>
    public event Action<KillSwitchState>? Changed;

    /// <summary>
    /// Raised as an engage takes effect, before anything is written: the engine subscribes and cancels every working
    /// order in scope. The list holds every order working in scope and every order a check was deciding at that
    /// instant (one of those may have been rejected: its cancel finds nothing).
    /// </summary>
    public event EventHandler<CancelAllRequestedEventArgs>? CancelAllRequested;

    /// <summary>Raised when the set of engages not yet on the store changes (see <see cref="NotDurable"/>).</summary>
    public event Action? DurabilityChanged;

    /// <summary>
    /// Called under the gate's lock at the instant a local engage or release takes effect on the gate (an engage before
    /// it is written, a release after), never for a change applied from the shared state. The replication counts the
    /// change as its own from that instant, so no shared state can be applied in between and undo it.
    /// </summary>
    internal Action<KillSwitchState>? LocalChangeTakingEffect { get; set; }

    /// <summary>
    /// Scopes engaged here whose engage is not on the store yet, with the store's last error: while any is listed a
    /// restart would not restore it, so the safety system holds itself at Critical and refuses every release.
    /// </summary>
    public KillSwitchDurability NotDurable
    {
        get
        {
            lock (_gate.Sync)
            {
                return new KillSwitchDurability([.. _notDurable.Select(w => w.State.Scope).Distinct(StringComparer.Ordinal)], _notDurable.Exists(w => w.Failed) ? _lastWriteError : null);
            }
        }
    }

    /// <summary>
    /// Engages the switch for a scope. New orders in scope are rejected, and <see cref="CancelAllRequested"/> raised,
    /// before anything is written; it completes once the engage is on the store. When the first write fails it throws
    /// <see cref="KillSwitchNotDurableException"/>: the switch stays engaged and the write is retried until it lands.
    /// Cancelling <paramref name="cancellationToken"/> stops the wait, never the engage nor its write.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="who"/> or <paramref name="reason"/> is empty, too long, or holds a control character.</exception>
    public Task EngageAsync(TradingScope scope, string who, string reason, CancellationToken cancellationToken = default)
    {
        ValidateText(who, reason);
        return EngageCoreAsync(scope, who, reason, stillApplies: null, cancellationToken);
    }

    /// <summary>
    /// Releases the switch for a scope. The release is written first; only when it is on the store does trading resume
    /// (a crash in between leaves the switch engaged), and not at all when an engage of the scope came in meanwhile.
    /// Cancelling <paramref name="cancellationToken"/> stops the wait, not the release once it is being written.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="who"/> or <paramref name="reason"/> is empty, too long, or holds a control character.</exception>
    /// <exception cref="KillSwitchNotDurableException">An engage is not on the store yet: no release until it is.</exception>
    public Task ReleaseAsync(TradingScope scope, string who, string reason, CancellationToken cancellationToken = default)
    {
        ValidateText(who, reason);
        return ReleaseCoreAsync(scope, who, reason, stillApplies: null, cancellationToken);
    }

    /// <summary>Refuses a name or reason that the store or a shared backend might not carry whole.</summary>
    public static void ValidateText(string who, string reason)
    {
        Check(who, nameof(who), MaximumWhoLength);
        Check(reason, nameof(reason), MaximumReasonLength);

        static void Check(string value, string name, int maximum)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(value, name);
            if (value.Length > maximum)
            {
                throw new ArgumentException($"{name}: at most {maximum} characters (got {value.Length})", name);
            }

            var control = value.AsSpan().IndexOfAnyInRange('\u0000', '\u001f');
            if (control < 0)
            {
                control = value.AsSpan().IndexOfAnyInRange('\u007f', '\u009f');
            }

            if (control >= 0)
            {
                throw new ArgumentException($"{name}: control character U+{(int)value[control]:X4} at position {control} (use plain text)", name);
            }
        }
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
        Write write;
        List<long> working;
        lock (_gate.Sync)
        {
            if (stillApplies is not null && (IsEngaged(index) || !stillApplies()))
            {
                return false;
            }

            _gate.SetSource(index, RiskGate.KillSwitchSource, RiskGate.KilledBit, who, reason);
            _versions[index]++;

            // Every checking thread's Deciding write is visible before the list is read (the check does without a
            // store-load fence on the order path; this barrier is its other half).
            Interlocked.MemoryBarrierProcessWide();
            working = _gate.WorkingOrdersIn(scope);
            write = new Write(state, retried: true,
                _gate.NewEvent(TradingEventKinds.KillSwitchEngaged, scope.ToString(), reason, who) with { To = "engaged" },
                _gate.NewEvent(TradingEventKinds.CancelAllRequested, scope.ToString(), reason, who, JsonSerializer.Serialize(working)));
            _notDurable.Add(write);
            _writes.Enqueue(write);
            if (stillApplies is null)
            {
                LocalChangeTakingEffect?.Invoke(state);
            }
        }

        DurabilityChanged?.Invoke();
        CancelAllRequested?.Invoke(this, new CancelAllRequestedEventArgs(scope, working, who, reason));
        Changed?.Invoke(state);
        StartWriter();
        if (stillApplies is null)
        {
            // A shared engage is this node following the installation's: its write is retried like any other, and the
            // replication does not wait for it.
            await write.Outcome.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        return true;
    }

    private async Task<bool> ReleaseCoreAsync(TradingScope scope, string who, string reason, Func<bool>? stillApplies, CancellationToken cancellationToken)
    {
        var index = _gate.ScopeIndexOrThrow(scope);
        var state = new KillSwitchState(scope.ToString(), false, who, reason);
        Write write;
        lock (_gate.Sync)
        {
            if (stillApplies is not null && !(IsEngaged(index) && stillApplies()))
            {
                return false;
            }

            if (_notDurable.Exists(w => w.Failed))
            {
                if (stillApplies is not null)
                {
                    return false; // this node stays engaged; fail closed until the store takes writes again
                }

                throw new KillSwitchNotDurableException(
                    $"release of {scope} refused: kill switch engaged, not yet durable ({string.Join(", ", _notDurable.Select(w => w.State.Scope).Distinct(StringComparer.Ordinal))}): " +
                    $"the store does not take writes ({_lastWriteError}); no release until every engage is written", null);
            }

            var version = _versions[index];
            write = new Write(state, retried: false,
                _gate.NewEvent(TradingEventKinds.KillSwitchReleased, scope.ToString(), reason, who) with { From = "engaged", To = "released" })
            {
                // Written: it takes effect now, unless an engage of the scope took effect since it was asked for.
                Apply = () =>
                {
                    if (_versions[index] != version || (stillApplies is not null && !(IsEngaged(index) && stillApplies())))
                    {
                        return false;
                    }

                    _gate.SetSource(index, RiskGate.KillSwitchSource, 0, who, reason);
                    _versions[index]++;
                    if (stillApplies is null)
                    {
                        LocalChangeTakingEffect?.Invoke(state);
                    }

                    return true;
                },
            };
            _writes.Enqueue(write);
        }

        StartWriter();
        var applied = await write.Outcome.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        return applied;
    }

    private void StartWriter()
    {
        lock (_gate.Sync)
        {
            if (_writing || _writes.Count == 0 || _stopping.IsCancellationRequested)
            {
                return;
            }

            _writing = true;
            _writer = Task.Run(WriteAllAsync);
        }
    }

    /// <summary>
    /// Writes the queued changes one at a time, in the order they took effect. An engage that cannot be written is
    /// retried (100 ms doubling to 5 s) until it is, and every release behind it is refused; a release that cannot be
    /// written is dropped, and the switch stays engaged.
    /// </summary>
    private async Task WriteAllAsync()
    {
        var delay = FirstRetry;
        while (true)
        {
            Write write;
            lock (_gate.Sync)
            {
                if (_writes.Count == 0 || _stopping.IsCancellationRequested)
                {
                    _writing = false;
                    return;
                }

                write = _writes.Peek();
            }

            try
            {
                while (write.Written < write.Events.Length)
                {
                    await _store.AppendAsync(write.Events[write.Written], _stopping.Token).ConfigureAwait(false);
                    write.Written++;
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !_stopping.IsCancellationRequested)
            {
                if (!Failed(write, ex))
                {
                    continue;
                }

                try
                {
                    await Task.Delay(delay, _gate.Time, _stopping.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    // Stopping: the loop ends at its next turn.
                }

                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, LastRetry.Ticks));
                continue;
            }
            catch (OperationCanceledException)
            {
                continue; // stopping
            }

            delay = FirstRetry;
            Written(write);
        }
    }

    /// <summary>A write failed: an engage stays queued (true: wait and retry), a release is dropped (false).</summary>
    private bool Failed(Write write, Exception error)
    {
        List<Write> refused = [];
        lock (_gate.Sync)
        {
            _lastWriteError = error.Message;
            if (write.Retried)
            {
                write.Failed = true;

                // Releases behind an engage that is not durable were accepted on the word that it would be: refuse them.
                foreach (var queued in _writes.Where(w => !w.Retried).ToList())
                {
                    refused.Add(queued);
                }

                if (refused.Count > 0)
                {
                    var keep = _writes.Where(w => w.Retried).ToList();
                    _writes.Clear();
                    foreach (var w in keep)
                    {
                        _writes.Enqueue(w);
                    }
                }
            }
            else
            {
                _writes.Dequeue();
            }
        }

        if (write.Retried)
        {
            write.Outcome.TrySetException(new KillSwitchNotDurableException(
                $"kill switch {write.State.Scope} engaged, not yet durable: {error.Message}; the write is retried until it lands", error));
            DurabilityChanged?.Invoke();
            foreach (var release in refused)
            {
                release.Outcome.TrySetException(new KillSwitchNotDurableException(
                    $"release of {release.State.Scope} refused: an engage ({write.State.Scope}) is not yet durable: {error.Message}", error));
            }

            return true;
        }

        write.Outcome.TrySetException(new KillSwitchNotDurableException($"release of {write.State.Scope} not written, the switch stays engaged: {error.Message}", error));
        return false;
    }

    private void Written(Write write)
    {
        var applied = true;
        bool durabilityChanged;
        lock (_gate.Sync)
        {
            _writes.Dequeue();
            durabilityChanged = _notDurable.Remove(write);
            if (write.Apply is { } apply)
            {
                applied = apply();
            }
        }

        if (durabilityChanged)
        {
            DurabilityChanged?.Invoke();
        }

        if (write.Apply is not null && applied)
        {
            Changed?.Invoke(write.State);
        }

        write.Outcome.TrySetResult(applied);
    }

    /// <summary>Stops retrying writes (an engage not yet written stays engaged in memory, and is lost to a restart).</summary>
    public async ValueTask DisposeAsync()
    {
        Task writer;
        lock (_gate.Sync)
        {
            writer = _writer;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        await writer.ConfigureAwait(false);
        lock (_gate.Sync)
        {
            foreach (var write in _writes)
            {
                write.Outcome.TrySetException(new ObjectDisposedException(nameof(KillSwitch), "stopped before the change was written"));
            }

            _writes.Clear();
        }

        _stopping.Dispose();
    }

    /// <summary>One change on its way to the store: its events, how many are written, and what waits for it.</summary>
    private sealed class Write(KillSwitchState state, bool retried, params SafetyEvent[] events)
    {
        public KillSwitchState State { get; } = state;

        /// <summary>True for an engage: retried until written.</summary>
        public bool Retried { get; } = retried;

        public SafetyEvent[] Events { get; } = events;

        public int Written { get; set; }

        /// <summary>An engage's write failed at least once (guarded by the gate's lock).</summary>
        public bool Failed { get; set; }

        /// <summary>For a release: takes effect once written, under the gate's lock; false when it no longer applies.</summary>
        public Func<bool>? Apply { get; init; }

        /// <summary>True once written (and, for a release, applied); an engage's first failure faults it.</summary>
        public TaskCompletionSource<bool> Outcome { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
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

/// <summary>Engages of a kill switch that are not on the store yet (empty when every one is).</summary>
/// <param name="Scopes">The scopes engaged in memory only.</param>
/// <param name="LastError">
/// Why the store refused the last write of one of them; null while they are only being written (the milliseconds of any
/// write), which is no fault.
/// </param>
public sealed record KillSwitchDurability(IReadOnlyList<string> Scopes, string? LastError)
{
    /// <summary>True when every engage is on the store.</summary>
    public bool IsDurable => Scopes.Count == 0;

    /// <summary>True when an engage that is not on the store has had a write refused: a restart now would lose it.</summary>
    public bool IsFailing => !IsDurable && LastError is not null;

    /// <inheritdoc />
    public override string ToString() => IsDurable ? "durable" : $"kill switch engaged, not yet durable: {string.Join(", ", Scopes)} ({LastError ?? "being written"})";
}

/// <summary>A kill-switch change that is not, or cannot be made, durable on the event store.</summary>
public sealed class KillSwitchNotDurableException : Exception
{
    /// <summary>Creates it.</summary>
    public KillSwitchNotDurableException(string message, Exception? inner)
        : base(message, inner)
    {
    }

    /// <summary>Creates it.</summary>
    public KillSwitchNotDurableException()
    {
    }

    /// <summary>Creates it.</summary>
    public KillSwitchNotDurableException(string message)
        : base(message)
    {
    }
}
