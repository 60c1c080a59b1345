using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bulwark.Trading;

/// <summary>A kill switch's state for one scope: engaged or released, by whom and why.</summary>
/// <param name="Scope">The scope's text form (<c>firm</c>, <c>account:A1</c>, ...).</param>
/// <param name="Engaged">True when engaged.</param>
/// <param name="Who">Who engaged or released it.</param>
/// <param name="Reason">Why.</param>
public sealed record KillSwitchState(string Scope, bool Engaged, string Who, string Reason)
{
    /// <summary>The installation-wide order of changes, from the backend (0 for a local change not yet published).</summary>
    public long Revision { get; init; }
}

/// <summary>
/// The backend refused a kill-switch change as it stands (too large, a byte it cannot carry): sending it again would
/// fail again, so it is reported and not retried.
/// </summary>
public sealed class KillSwitchChangeRefusedException : Exception
{
    /// <summary>Creates it.</summary>
    public KillSwitchChangeRefusedException(string message, Exception? inner)
        : base(message, inner)
    {
    }

    /// <summary>Creates it.</summary>
    public KillSwitchChangeRefusedException()
    {
    }

    /// <summary>Creates it.</summary>
    public KillSwitchChangeRefusedException(string message)
        : base(message)
    {
    }
}

/// <summary>
/// The installation's kill switches, shared by every node (etcd keys with a watch; a PostgreSQL table with
/// LISTEN/NOTIFY). The authoritative state is the backend's; each node follows it.
/// </summary>
public interface IKillSwitchChannel : IAsyncDisposable
{
    /// <summary>Writes a scope's state for every node; returns it with the revision the backend gave it.</summary>
    ValueTask<KillSwitchState> PublishAsync(KillSwitchState state, CancellationToken cancellationToken = default);

    /// <summary>Every scope's state.</summary>
    ValueTask<IReadOnlyList<KillSwitchState>> ReadAllAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Follows the shared state until cancelled: on every (re)connection it calls <paramref name="connected"/>(false)
    /// while cut off, re-reads every scope into <paramref name="changed"/>, then calls <paramref name="connected"/>(true)
    /// and reports each change as it comes. A lost connection calls <paramref name="connected"/>(false) at once.
    /// </summary>
    Task FollowAsync(Func<KillSwitchState, Task> changed, Action<bool> connected, CancellationToken cancellationToken);
}

/// <summary>
/// Shares one node's kill switch with the installation. A local engage or release is applied here first (a slow
/// channel never delays a stop) and then published; a change published by another node is applied to this node's
/// switch (an engage raises the same cancel-all; a scope this node does not trade is ignored). While the channel is cut off, or until it has been re-read after a
/// loss, the gate treats itself as not leader: it sends no new order it cannot prove is allowed.
/// </summary>
public sealed class KillSwitchReplication : IAsyncDisposable
{
    private static readonly TimeSpan RetryPublish = TimeSpan.FromMilliseconds(200);
    private readonly KillSwitch _killSwitch;
    private readonly IKillSwitchChannel _channel;
    private readonly ILogger _logger;
    private readonly object _sync = new(); // a monitor, which the Coyote tests control (System.Threading.Lock they cannot)
    private readonly Dictionary<string, Scope> _scopes = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private readonly SemaphoreSlim _applying = new(1, 1);
    private readonly System.Threading.Channels.Channel<KillSwitchState> _outbox =
        System.Threading.Channels.Channel.CreateUnbounded<KillSwitchState>(new System.Threading.Channels.UnboundedChannelOptions { SingleReader = true });
    private Task? _following;
    private Task? _publishing;
    private readonly TaskCompletionSource _firstSync = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private KillSwitchReplication(KillSwitch killSwitch, IKillSwitchChannel channel, ILogger logger)
    {
        _killSwitch = killSwitch;
        _channel = channel;
        _logger = logger;
    }

    /// <summary>Raised with each change that came from the shared state and was applied here.</summary>
    public event Action<KillSwitchState>? Applied;

    /// <summary>Raised when the channel is lost (false) and when the state has been re-read after a loss (true).</summary>
    public event Action<bool>? SyncChanged;

    /// <summary>
    /// True while the channel is connected, its state has been read since the last loss, and no local change of a
    /// scope was refused by the backend since (this node and the installation would disagree on it).
    /// </summary>
    public bool InSync
    {
        get
        {
            lock (_sync)
            {
                return _connected && _refused.Count == 0;
            }
        }
    }

    private bool _connected; // guarded by _sync
    private readonly HashSet<string> _refused = new(StringComparer.Ordinal); // scopes whose last local change the backend refused

    /// <summary>
    /// Starts sharing <paramref name="killSwitch"/> through <paramref name="channel"/>. The gate is closed (not leader)
    /// until the shared state has been read once; the returned task completes then, or when
    /// <paramref name="cancellationToken"/> stops the wait (the replication is returned all the same and keeps trying in
    /// the background, with the gate closed until it is in sync: see <see cref="InSync"/>).
    /// </summary>
    public static async Task<KillSwitchReplication> StartAsync(
        KillSwitch killSwitch, IKillSwitchChannel channel, ILogger<KillSwitchReplication>? logger = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(killSwitch);
        ArgumentNullException.ThrowIfNull(channel);
        var replication = new KillSwitchReplication(killSwitch, channel, (ILogger?)logger ?? NullLogger.Instance);
        Leadership.For(killSwitch.Gate).SetKillSwitchInSync(false);
        if (killSwitch.LocalChangeTakingEffect is not null)
        {
            throw new InvalidOperationException("This kill switch is already shared through another replication.");
        }

        killSwitch.LocalChangeTakingEffect = replication.OnLocalChange;
        replication._publishing = Task.Run(replication.PublishLoopAsync);
        replication._following = Task.Run(() => channel.FollowAsync(replication.OnSharedChangeAsync, replication.OnConnection, replication._stopping.Token));
        await Task.WhenAny(replication._firstSync.Task, Task.Delay(Timeout.Infinite, cancellationToken)).ConfigureAwait(false);
        return replication;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        _killSwitch.LocalChangeTakingEffect = null;
        _outbox.Writer.TryComplete();
        try
        {
            await _stopping.CancelAsync().ConfigureAwait(false);
        }
        catch (AggregateException ex) when (ex.InnerExceptions.All(e => e is ObjectDisposedException))
        {
            // A driver's cancellation callback raced its own connection's cleanup (seen with Npgsql after a cut-off
            // connection). Every callback has run all the same, and the loops below end at their next timeout.
            KillSwitchLog.StopRaced(_logger, ex);
        }
        foreach (var task in new[] { _following, _publishing })
        {
            try
            {
                await (task ?? Task.CompletedTask).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }

        _stopping.Dispose();
        _applying.Dispose();
    }

    private void OnConnection(bool connected)
    {
        lock (_sync)
        {
            _connected = connected;
        }

        PublishSync();
        if (connected)
        {
            _firstSync.TrySetResult();
        }

        KillSwitchLog.Sync(_logger, connected);
        SyncChanged?.Invoke(connected);
    }

    /// <summary>The gate trades only while this node and the installation agree (see <see cref="InSync"/>).</summary>
    private void PublishSync()
    {
        lock (_sync)
        {
            Leadership.For(_killSwitch.Gate).SetKillSwitchInSync(_connected && _refused.Count == 0);
        }
    }

    /// <summary>A state from the backend: remembered when newer than what is known, then reconciled.</summary>
    private async Task OnSharedChangeAsync(KillSwitchState state)
    {
        lock (_sync)
        {
            var scope = ScopeOf(state.Scope);
            if (scope.Latest is { } known && known.Revision >= state.Revision)
            {
                return; // already seen (a re-read after reconnecting repeats what is known)
            }

            scope.Latest = state;
        }

        await ReconcileAsync(state.Scope).ConfigureAwait(false);
    }

    /// <summary>
    /// Brings this node to the newest shared state of a scope, unless a local change of it is still being published
    /// (that change comes later in the backend's order, so it wins) or the newest shared state is not newer than this
    /// node's own last published change (an echo of an older change must never undo a newer local one).
    /// </summary>
    private async Task ReconcileAsync(string name)
    {
        await _applying.WaitAsync(_stopping.Token).ConfigureAwait(false);
        try
        {
            KillSwitchState target;
            lock (_sync)
            {
                var scope = ScopeOf(name);
                if (scope.Pending > 0 || scope.Latest is not { } latest || latest.Revision <= scope.Published)
                {
                    return;
                }

                target = latest;
            }

            if (!TradingScope.TryParse(target.Scope, out var tradingScope) || _killSwitch.Gate.Universe.ScopeIndex(tradingScope) < 0)
            {
                return; // a scope this gate does not trade: nothing of it passes here
            }

            // Asked again under the gate's lock as the gate changes: a local change that took effect since the check above
            // counts as pending from that instant, is published after the target, and so wins.
            if (!await _killSwitch.ApplySharedAsync(tradingScope, target, () => StillApplies(target), _stopping.Token).ConfigureAwait(false))
            {
                return; // already so, or a newer local change came in
            }

            Applied?.Invoke(target);
        }
        finally
        {
            _applying.Release();
        }
    }

    private bool StillApplies(KillSwitchState target)
    {
        lock (_sync)
        {
            var scope = ScopeOf(target.Scope);
            return scope.Pending == 0 && scope.Latest?.Revision == target.Revision && target.Revision > scope.Published;
        }
    }

    /// <summary>A local change, called under the gate's lock as it takes effect: pending from now, published in order.</summary>
    private void OnLocalChange(KillSwitchState state)
    {
        lock (_sync)
        {
            ScopeOf(state.Scope).Pending++;
        }

        _outbox.Writer.TryWrite(state);
    }

    /// <summary>Publishes local changes one at a time, in the order they happened, retrying each until it is shared.</summary>
    private async Task PublishLoopAsync()
    {
        await foreach (var state in _outbox.Reader.ReadAllAsync(_stopping.Token).ConfigureAwait(false))
        {
            while (true)
            {
                try
                {
                    var published = await _channel.PublishAsync(state, _stopping.Token).ConfigureAwait(false);
                    bool resolved;
                    lock (_sync)
                    {
                        var scope = ScopeOf(state.Scope);
                        scope.Published = Math.Max(scope.Published, published.Revision);
                        scope.Pending--;
                        resolved = _refused.Remove(state.Scope); // this node and the installation agree on it again
                    }

                    if (resolved)
                    {
                        PublishSync();
                        SyncChanged?.Invoke(InSync);
                    }

                    break;
                }
                catch (KillSwitchChangeRefusedException ex)
                {
                    // Never shared: it stays in force here (an engage stays engaged), later changes go on, and the node is
                    // out of sync (its gate rejects) until a later change of this scope is shared.
                    KillSwitchLog.PublishRefused(_logger, state.Scope, state.Engaged, ex);
                    lock (_sync)
                    {
                        ScopeOf(state.Scope).Pending--;
                        _refused.Add(state.Scope);
                    }

                    PublishSync();
                    var gate = _killSwitch.Gate;
                    gate.Publish(gate.NewEvent(TradingEventKinds.KillSwitchShareRefused, state.Scope,
                        $"the shared kill switch refused this node's {(state.Engaged ? "engage" : "release")}: {ex.Message}; this node is out of sync and rejects new orders",
                        state.Who));
                    SyncChanged?.Invoke(false);
                    break;
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !_stopping.IsCancellationRequested)
                {
                    // Not shared yet: this node stays as it is (an engage stays engaged here) and tries again.
                    KillSwitchLog.PublishFailed(_logger, state.Scope, state.Engaged, ex);
                    await Task.Delay(RetryPublish, _stopping.Token).ConfigureAwait(false);
                }
            }

            // A change another node made while ours was on its way, and newer than ours, applies now.
            await ReconcileAsync(state.Scope).ConfigureAwait(false);
        }
    }

    private Scope ScopeOf(string name)
    {
        if (!_scopes.TryGetValue(name, out var scope))
        {
            scope = new Scope();
            _scopes[name] = scope;
        }

        return scope;
    }

    /// <summary>What this node knows of one scope (guarded by <see cref="_sync"/>).</summary>
    private sealed class Scope
    {
        public KillSwitchState? Latest { get; set; }

        public long Published { get; set; }

        public int Pending { get; set; }
    }
}

/// <summary>Kill-switch replication log messages; event ids 500–519.</summary>
internal static partial class KillSwitchLog
{
    [LoggerMessage(EventId = 500, Level = LogLevel.Warning, Message = "Shared kill-switch state in sync: {InSync}")]
    public static partial void Sync(ILogger logger, bool inSync);

    [LoggerMessage(EventId = 501, Level = LogLevel.Error, Message = "Kill switch {Scope} (engaged: {Engaged}) could not be shared with the other nodes")]
    public static partial void PublishFailed(ILogger logger, string scope, bool engaged, Exception exception);

    [LoggerMessage(EventId = 502, Level = LogLevel.Debug, Message = "A cancellation callback failed while the kill-switch replication stopped")]
    public static partial void StopRaced(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 503, Level = LogLevel.Error, Message = "The shared kill switch refused {Scope} (engaged: {Engaged}); this node is out of sync until a later change of it is shared")]
    public static partial void PublishRefused(ILogger logger, string scope, bool engaged, Exception exception);
}
