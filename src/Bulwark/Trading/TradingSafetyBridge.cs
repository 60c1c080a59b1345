using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bulwark.Trading;

/// <summary>How the system state drives trading, and how often the bridge runs its off-path work.</summary>
public sealed class TradingSafetyBridgeOptions
{
    /// <summary>Firm trading state while the system is Critical: Reducing or Halted. Default Reducing.</summary>
    public TradingState OnSystemCritical { get; set; } = TradingState.Reducing;

    /// <summary>Firm trading state while the system is Failed: Reducing or Halted. Default Halted.</summary>
    public TradingState OnSystemFailed { get; set; } = TradingState.Halted;

    /// <summary>
    /// Firm trading state from start until the system state is first known (fail closed): Reducing or Halted.
    /// Default Halted. The first Healthy or Degraded lifts it by itself; a failure first follows the policy above.
    /// </summary>
    public TradingState OnSystemUnknown { get; set; } = TradingState.Halted;

    /// <summary>When true, a system back to Healthy or Degraded returns trading to Active; when false (default) a person must.</summary>
    public bool RestoreOnRecovery { get; set; }

    /// <summary>How often loss limits, circuit breakers and the session reset are evaluated. Default 1 s.</summary>
    public TimeSpan EvaluationInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How often trading events and aggregated rejections are written to the store. Default 5 s.</summary>
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromSeconds(5);
}

/// <summary>
/// Ties the gate to the safety system: the SafetyManager's system state moves trading to Reducing or Halted
/// by policy; kill-switch actions go to the event store before they are acknowledged and are replayed on
/// start; trading events and rejections (aggregated by reason, never one write per order) are flushed to
/// the store periodically; loss limits and circuit breakers are evaluated off the order path.
/// </summary>
public sealed class TradingSafetyBridge : IAsyncDisposable
{
    private readonly IEventStore _store;
    private readonly TradingSafetyBridgeOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly List<SafetyEvent> _pending = [];
    private readonly SemaphoreSlim _flushing = new(1, 1);
    private CancellationTokenSource? _stopping;
    private Task? _loop;
    private bool _awaitingFirstEvidence; // guarded by Gate.Sync

    /// <summary>Creates the bridge; call <see cref="StartAsync"/> before the first order.</summary>
    public TradingSafetyBridge(RiskGate gate, IEventStore store, TradingSafetyBridgeOptions? options = null, ILogger<TradingSafetyBridge>? logger = null)
    {
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        Gate = gate ?? throw new ArgumentNullException(nameof(gate));
        _store = store ?? throw new ArgumentNullException(nameof(store));
        _options = options ?? new TradingSafetyBridgeOptions();
        if (_options.OnSystemCritical == TradingState.Active || _options.OnSystemFailed == TradingState.Active || _options.OnSystemUnknown == TradingState.Active)
        {
            throw new BulwarkOptionsException([new OptionsError("trading.bridge", "system Unknown, Critical and Failed must move trading to Reducing or Halted")]);
        }

        var longest = TimeSpan.FromSeconds(BulwarkDefaults.MaxDurationSeconds);
        if (_options.EvaluationInterval <= TimeSpan.Zero || _options.FlushInterval <= TimeSpan.Zero ||
            _options.EvaluationInterval > longest || _options.FlushInterval > longest)
        {
            throw new BulwarkOptionsException([new OptionsError("trading.bridge", "intervals must be greater than 0 and at most one day")]);
        }

        _time = gate.Time;
        KillSwitch = new KillSwitch(gate, store);
    }

    /// <summary>The gate.</summary>
    public RiskGate Gate { get; }

    /// <summary>The kill switch, persisted to the same store.</summary>
    public KillSwitch KillSwitch { get; }

    /// <summary>
    /// The trading journal the safety system started for this gate (<c>trading.journal:</c>), or null without one. Call
    /// <see cref="Journal.TradingJournal.RecordAccepted"/> after each accepted <see cref="RiskGate.Check"/> and before
    /// sending: an order that is not recorded is not rebuilt after a restart (its reports find no order).
    /// </summary>
    public Journal.TradingJournal? Journal { get; internal set; }

    /// <summary>Restores kill-switch latches from the store, then starts the periodic evaluation and flush.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        var restored = await KillSwitch.RestoreAsync(cancellationToken).ConfigureAwait(false);
        if (restored.Count > 0)
        {
            TradingLog.KillSwitchesRestored(_logger, string.Join(", ", restored));
        }

        _stopping = new CancellationTokenSource();
        _loop = RunAsync(_stopping.Token);
    }

    /// <summary>
    /// Called by the SafetyManager on every system state change. Critical and Failed move the firm to the
    /// policy's trading state at once; recovery to Healthy or Degraded returns it to Active only when
    /// <see cref="TradingSafetyBridgeOptions.RestoreOnRecovery"/> is set.
    /// </summary>
    public void OnSystemStateChanged(SafetyState from, SafetyState to)
    {
        var cause = $"system {from} -> {to}";
        lock (Gate.Sync)
        {
            switch (to)
            {
                case SafetyState.Failed:
                    _awaitingFirstEvidence = false;
                    Gate.SetSource(0, RiskGate.SystemStateSource, RiskGate.StateBits(_options.OnSystemFailed), "safety-manager", cause);
                    break;
                case SafetyState.Critical:
                    _awaitingFirstEvidence = false;
                    Gate.SetSource(0, RiskGate.SystemStateSource, RiskGate.StateBits(_options.OnSystemCritical), "safety-manager", cause);
                    break;
                case SafetyState.Healthy or SafetyState.Degraded when _options.RestoreOnRecovery || _awaitingFirstEvidence:
                    _awaitingFirstEvidence = false;
                    Gate.SetSource(0, RiskGate.SystemStateSource, 0, "safety-manager", cause);
                    break;
                default:
                    // Unknown and Recovering keep whatever restriction is in force.
                    break;
            }
        }
    }

    /// <summary>
    /// Holds trading at <see cref="TradingSafetyBridgeOptions.OnSystemUnknown"/> until the system state is first
    /// known: an order is not let through on the word of a safety system that has no evidence yet. The safety
    /// system calls this before its first check runs.
    /// </summary>
    public void HoldUntilFirstEvidence()
    {
        lock (Gate.Sync)
        {
            _awaitingFirstEvidence = true;
            Gate.SetSource(0, RiskGate.SystemStateSource, RiskGate.StateBits(_options.OnSystemUnknown), "safety-manager", "system state not known yet");
        }
    }

    /// <summary>
    /// Handler for <c>SafetySystem.Transitioned</c> / <c>SafetyManager.Transitioned</c>:
    /// <c>system.Transitioned += bridge.OnSafetyEvent;</c>. Acts on system-state events only.
    /// </summary>
    public void OnSafetyEvent(SafetyEvent safetyEvent)
    {
        ArgumentNullException.ThrowIfNull(safetyEvent);
        if (safetyEvent.Kind == EventKinds.SystemState &&
            Enum.TryParse<SafetyState>(safetyEvent.From, out var from) &&
            Enum.TryParse<SafetyState>(safetyEvent.To, out var to))
        {
            OnSystemStateChanged(from, to);
        }
    }

    /// <summary>Clears a trading restriction left by a system state, when policy does not restore it by itself.</summary>
    public void ResumeAfterSystemRecovery(string who, string why)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(who);
        ArgumentException.ThrowIfNullOrWhiteSpace(why);
        lock (Gate.Sync)
        {
            Gate.SetSource(0, RiskGate.SystemStateSource, 0, who, why);
        }
    }

    /// <summary>
    /// Writes pending trading events, and the rejections since the last flush as one event, to the store.
    /// Events a failing store did not take are kept for the next flush.
    /// </summary>
    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        await _flushing.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            while (Gate.TryTakeEvent(out var e))
            {
                _pending.Add(e);
            }

            var rejections = Gate.DrainRejections();
            if (rejections.Count > 0)
            {
                _pending.Add(Gate.NewEvent(TradingEventKinds.Rejections, "firm",
                    $"{rejections.Values.Sum()} orders rejected", "bulwark",
                    JsonSerializer.Serialize(rejections.ToDictionary(r => r.Key.ToString(), r => r.Value))));
            }

            while (_pending.Count > 0)
            {
                await _store.AppendAsync(_pending[0], cancellationToken).ConfigureAwait(false);
                _pending.RemoveAt(0);
            }
        }
        finally
        {
            _flushing.Release();
        }
    }

    /// <summary>Stops the loop and flushes what is pending.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_stopping is { } stopping)
        {
            await stopping.CancelAsync().ConfigureAwait(false);
            if (_loop is { } loop)
            {
                await loop.ConfigureAwait(false);
            }

            stopping.Dispose();
        }

        try
        {
            await FlushAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The store is gone; nothing more can be kept.
        }

        await KillSwitch.DisposeAsync().ConfigureAwait(false);

        _flushing.Dispose();
    }

    private async Task RunAsync(CancellationToken stopping)
    {
        var nextFlush = _time.GetTimestamp();
        var flushTicks = (long)(_options.FlushInterval.TotalSeconds * _time.TimestampFrequency);
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(_options.EvaluationInterval, _time, stopping).ConfigureAwait(false);
                Gate.Evaluate();
                if (_time.GetTimestamp() >= nextFlush)
                {
                    nextFlush = _time.GetTimestamp() + flushTicks;
                    await FlushAsync(stopping).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // A failing store or evaluation never stops the loop; pending events wait for the next flush.
                TradingLog.LoopFailed(_logger, ex, _pending.Count);
            }
        }
    }
}
