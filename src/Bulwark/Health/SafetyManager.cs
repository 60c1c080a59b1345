using System.Diagnostics.Metrics;
using System.Text.Json;
using System.Threading.Channels;
using Bulwark.Diagnostics;
using Bulwark.Health;
using Bulwark.Storage;
using Microsoft.Extensions.Logging;

namespace Bulwark;

/// <summary>
/// Watches every component: runs each check on its own schedule with its own timeout, turns results
/// into component and system states with consecutive thresholds, and appends every transition to the
/// event log before reporting it. A slow, hanging or throwing check only ever affects its own result.
/// </summary>
public sealed class SafetyManager
{
    /// <summary>How often the status snapshot is written for other processes to read.</summary>
    internal static readonly TimeSpan StatusInterval = TimeSpan.FromSeconds(1);

    private readonly ComponentRuntime[] _components;
    private readonly Dictionary<string, int> _componentIndex;
    private readonly HeartbeatRegistry _heartbeats;
    private readonly IEventStore _store;
    private readonly IStatusStore? _statusStore;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly BulwarkMetrics _metrics;
    private readonly Channel<CheckRecord> _results;
    private readonly Lock _gate = new();

    // Read without the gate by any thread (the trading bridge, metrics); written under it.
    private int _systemState = (int)SafetyState.Unknown;
    private DateTimeOffset? _systemSince;
    private string? _storeFault;

    private CancellationTokenSource? _stopping;
    private readonly List<Task> _loops = [];

    internal SafetyManager(
        BulwarkOptions options,
        Func<ComponentOptions, CheckOptions, TimeSpan, IHealthProbe> probeFactory,
        HeartbeatRegistry heartbeats,
        IEventStore store,
        TimeProvider timeProvider,
        ILogger logger,
        BulwarkMetrics metrics)
    {
        _heartbeats = heartbeats;
        _store = store;
        _statusStore = store as IStatusStore;
        _time = timeProvider;
        _logger = logger;
        _metrics = metrics;
        _components = new ComponentRuntime[options.Components.Count];
        _componentIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var c = 0; c < _components.Length; c++)
        {
            var component = options.Components[c];
            var checks = new CheckRuntime[component.Checks.Count];
            for (var k = 0; k < checks.Length; k++)
            {
                var check = component.Checks[k];
                var interval = TimeSpan.FromSeconds(check.IntervalSeconds ?? options.CheckIntervalSeconds);
                var timeout = TimeSpan.FromSeconds(check.TimeoutSeconds ?? BulwarkDefaults.CheckTimeoutSeconds);
                checks[k] = new CheckRuntime(
                    check.EffectiveName,
                    check.Type ?? CheckType.HealthCheck,
                    interval,
                    timeout,
                    probeFactory(component, check, interval),
                    new CheckTracker(check.EffectiveName, check.Type ?? CheckType.HealthCheck, component.FailureThreshold, component.SuccessThreshold));
            }

            _components[c] = new ComponentRuntime(component.Name, component.Criticality, checks);
            _componentIndex[component.Name] = c;
        }

        // Bounded: if the store stalls, check loops wait here rather than growing memory without limit.
        _results = Channel.CreateBounded<CheckRecord>(new BoundedChannelOptions(4096)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });

        metrics.Meter.CreateObservableGauge(
            "bulwark.component.state",
            ObserveComponentStates,
            unit: "{state}",
            description: "Component state: 0 Failed, 1 Critical, 2 Unknown, 3 Recovering, 4 Degraded, 5 Healthy.");
        metrics.Meter.CreateObservableGauge(
            "bulwark.system.state",
            () => Volatile.Read(ref _systemState),
            unit: "{state}",
            description: "System state: 0 Failed, 1 Critical, 2 Unknown, 3 Recovering, 4 Degraded, 5 Healthy.");
    }

    /// <summary>
    /// Raised after a transition (component or system) was appended to the event log, with the stored
    /// event (its <see cref="SafetyEvent.Sequence"/> set). When the store could not be written the event
    /// is still raised, with sequence 0, so that nobody acts on a stale state.
    /// </summary>
    public event Action<SafetyEvent>? Transitioned;

    /// <summary>The system state. Safe to read from any thread.</summary>
    public SafetyState SystemState => (SafetyState)Volatile.Read(ref _systemState);

    /// <summary>Names of the watched components, in configuration order.</summary>
    public IReadOnlyList<string> ComponentNames => _components.Select(c => c.Name).ToArray();

    /// <summary>The state of one component. Safe to read from any thread.</summary>
    /// <exception cref="ArgumentException">No component has that name.</exception>
    public SafetyState GetState(string component) =>
        (SafetyState)Volatile.Read(ref _components[IndexOf(component)].State);

    /// <summary>Records a heartbeat of a component that has a heartbeat check.</summary>
    /// <exception cref="ArgumentException">No component has that name.</exception>
    public void ReportHeartbeat(string component)
    {
        _ = IndexOf(component);
        _heartbeats.Report(component);
    }

    /// <summary>
    /// Holds the system at Critical at most while <paramref name="reason"/> is set (null lifts the hold of
    /// <paramref name="source"/>): for what the system knows is not safe beyond its checks, such as a kill switch engaged
    /// and not yet on the store. Recorded as a system transition when it changes the state.
    /// </summary>
    internal Task SetHoldAsync(string source, string? reason, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (reason is null ? !_holds.Remove(source) : _holds.TryGetValue(source, out var held) && held == reason)
            {
                return Task.CompletedTask;
            }

            if (reason is not null)
            {
                _holds[source] = reason;
            }
        }

        return UpdateSystemStateAsync(reason ?? source + " hold lifted", _time.GetUtcNow(), cancellationToken);
    }

    /// <summary>Why the system is held at Critical beyond its checks, by source (guarded by <see cref="_gate"/>).</summary>
    private readonly Dictionary<string, string> _holds = new(StringComparer.Ordinal);

    /// <summary>A consistent picture of the system and every component, with each check's latest result.</summary>
    public StatusReport GetStatus()
    {
        lock (_gate)
        {
            return new StatusReport
            {
                UpdatedAt = _time.GetUtcNow(),
                System = SystemState,
                SystemSince = _systemSince,
                StoreFault = _storeFault,
                Holds = [.. _holds.Values],
                ProcessId = Environment.ProcessId,
                Components = _components.Select(c => new ComponentStatus
                {
                    Name = c.Name,
                    Criticality = c.Criticality,
                    State = (SafetyState)c.State,
                    Since = c.Since,
                    Checks = c.Checks.Select(k => Report(k.Tracker)).ToArray(),
                }).ToArray(),
            };
        }
    }

    internal async Task StartAsync(CancellationToken cancellationToken)
    {
        if (_stopping is not null)
        {
            throw new InvalidOperationException("The safety manager is already started.");
        }

        var previousReportAt = await UncleanStopAsync(cancellationToken).ConfigureAwait(false);
        await RecordAsync(new SafetyEvent
        {
            Time = _time.GetUtcNow(),
            Kind = EventKinds.Started,
            Subject = "system",
            To = SafetyState.Unknown.ToString(),
            Cause = previousReportAt is null
                ? $"started with {_components.Length} components"
                : $"started with {_components.Length} components; the previous run stopped without recording it, last report {previousReportAt:O}",
            Evidence = JsonSerializer.Serialize(
                new { components = _components.Select(c => new { c.Name, c.Criticality, checks = c.Checks.Select(k => k.Name) }), previousReportAt },
                BulwarkJson.Options),
        }, cancellationToken).ConfigureAwait(false);

        _stopping = new CancellationTokenSource();
        var stopping = _stopping.Token;
        _loops.Add(Task.Run(() => EvaluateLoopAsync(stopping), CancellationToken.None));
        _loops.Add(Task.Run(() => StatusLoopAsync(stopping), CancellationToken.None));
        for (var c = 0; c < _components.Length; c++)
        {
            for (var k = 0; k < _components[c].Checks.Length; k++)
            {
                var (componentIndex, checkIndex) = (c, k);
                _loops.Add(Task.Run(() => CheckLoopAsync(componentIndex, checkIndex, stopping), CancellationToken.None));
            }
        }

        SafetyManagerLog.Started(_logger, _components.Length, _components.Sum(c => c.Checks.Length), _store.GetType().Name);
    }

    /// <summary>
    /// When the previous run on this store started but never recorded its stop (killed, crashed), the time
    /// of its last status report: from then on nobody was watching, which availability counts as unknown.
    /// </summary>
    private async Task<DateTimeOffset?> UncleanStopAsync(CancellationToken cancellationToken)
    {
        if (_statusStore is null)
        {
            return null;
        }

        try
        {
            var last = await _store.ReadAsync(new EventQuery { KindPrefix = "bulwark.", Limit = 1 }, cancellationToken).ConfigureAwait(false);
            if (last.Count == 0 || last[0].Kind != EventKinds.Started)
            {
                return null;
            }

            var report = await _statusStore.ReadStatusAsync(cancellationToken).ConfigureAwait(false);
            return report?.UpdatedAt ?? last[0].Time;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // An unreadable store is reported by the first append; the start itself is what matters here.
            return null;
        }
    }

    internal async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_stopping is null || _stopping.IsCancellationRequested)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        // Check loops stop at once; a probe that ignores cancellation is abandoned, not awaited.
        await Task.WhenAll(_loops).WaitAsync(cancellationToken).ConfigureAwait(false);
        _stopping.Dispose();

        await WriteStatusAsync(cancellationToken).ConfigureAwait(false);
        await RecordAsync(new SafetyEvent
        {
            Time = _time.GetUtcNow(),
            Kind = EventKinds.Stopped,
            Subject = "system",
            From = SystemState.ToString(),
            Cause = "stopped",
        }, cancellationToken).ConfigureAwait(false);
        SafetyManagerLog.Stopped(_logger);
    }

    /// <summary>Applies one check result: thresholds, component state, system state, and the events they cause.</summary>
    internal async ValueTask ApplyAsync(CheckRecord record, CancellationToken cancellationToken)
    {
        SafetyEvent? componentEvent = null;
        lock (_gate)
        {
            var component = _components[record.ComponentIndex];
            var check = component.Checks[record.CheckIndex];
            if (!check.Tracker.Apply(record))
            {
                return;
            }

            var before = (SafetyState)component.State;
            var after = StateRules.ComponentState(component.Checks.Select(k => k.Tracker).ToArray());
            if (after == before)
            {
                return;
            }

            Volatile.Write(ref component.State, (int)after);
            component.Since = record.At;
            componentEvent = new SafetyEvent
            {
                Time = record.At,
                Kind = EventKinds.ComponentState,
                Subject = component.Name,
                From = before.ToString(),
                To = after.ToString(),
                Cause = Cause(check.Tracker, record),
                Evidence = JsonSerializer.Serialize(component.Checks.Select(k => Report(k.Tracker)), BulwarkJson.Options),
            };
            SafetyManagerLog.ComponentTransition(_logger, component.Name, before, after, componentEvent.Cause!);
        }

        await RecordAsync(componentEvent, cancellationToken).ConfigureAwait(false);
        await UpdateSystemStateAsync($"{componentEvent.Subject} {componentEvent.From} -> {componentEvent.To}", record.At, cancellationToken)
            .ConfigureAwait(false);
    }

    private async Task UpdateSystemStateAsync(string cause, DateTimeOffset at, CancellationToken cancellationToken)
    {
        SafetyEvent systemEvent;
        lock (_gate)
        {
            var after = StateRules.SystemState(_components.Select(c => (c.Criticality, (SafetyState)c.State)));
            if (_storeFault is not null && after > SafetyState.Critical)
            {
                // Without a working event log Bulwark cannot prove what happened: fail closed.
                after = SafetyState.Critical;
                cause = "event store unwritable: " + _storeFault;
            }

            if (_holds.Count > 0 && after > SafetyState.Critical)
            {
                // Another part of the system knows something is not safe (a kill switch not on the store): fail closed.
                after = SafetyState.Critical;
                cause = "held: " + string.Join("; ", _holds.Values);
            }

            var before = SystemState;
            if (after == before)
            {
                return;
            }

            Volatile.Write(ref _systemState, (int)after);
            _systemSince = at;
            systemEvent = new SafetyEvent
            {
                Time = at,
                Kind = EventKinds.SystemState,
                Subject = "system",
                From = before.ToString(),
                To = after.ToString(),
                Cause = cause,
                Evidence = JsonSerializer.Serialize(
                    _components.ToDictionary(c => c.Name, c => new { c.Criticality, State = (SafetyState)c.State }),
                    BulwarkJson.Options),
            };
            SafetyManagerLog.SystemTransition(_logger, before, after, cause);
        }

        await RecordAsync(systemEvent, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Appends, then tells subscribers. A store failure holds the system at Critical until an append succeeds.</summary>
    private async Task RecordAsync(SafetyEvent safetyEvent, CancellationToken cancellationToken)
    {
        var stored = safetyEvent;
        bool faultChanged;
        try
        {
            var sequence = await _store.AppendAsync(safetyEvent, cancellationToken).ConfigureAwait(false);
            stored = safetyEvent with { Sequence = sequence };
            lock (_gate)
            {
                faultChanged = _storeFault is not null;
                _storeFault = null;
            }

            if (faultChanged)
            {
                SafetyManagerLog.StoreRecovered(_logger);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            SafetyManagerLog.StoreAppendFailed(_logger, ex, safetyEvent.Kind, safetyEvent.Subject);
            lock (_gate)
            {
                faultChanged = _storeFault is null;
                _storeFault = ex.Message;
            }
        }

        if (safetyEvent.From is not null && safetyEvent.To is not null)
        {
            _metrics.Transitions.Add(1,
                new KeyValuePair<string, object?>("subject", safetyEvent.Subject),
                new KeyValuePair<string, object?>("from", safetyEvent.From),
                new KeyValuePair<string, object?>("to", safetyEvent.To));
        }

        Notify(stored);
        if (faultChanged)
        {
            await UpdateSystemStateAsync("event store writable again", _time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        }
    }

    private void Notify(SafetyEvent safetyEvent)
    {
        if (Transitioned is not { } handlers || safetyEvent.Kind is not (EventKinds.ComponentState or EventKinds.SystemState))
        {
            return;
        }

        foreach (var handler in handlers.GetInvocationList().Cast<Action<SafetyEvent>>())
        {
            try
            {
                handler(safetyEvent);
            }
            catch (Exception ex)
            {
                SafetyManagerLog.SubscriberFailed(_logger, ex);
            }
        }
    }

    private async Task EvaluateLoopAsync(CancellationToken stopping)
    {
        try
        {
            await foreach (var record in _results.Reader.ReadAllAsync(stopping).ConfigureAwait(false))
            {
                await ApplyAsync(record, stopping).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
    }

    private async Task StatusLoopAsync(CancellationToken stopping)
    {
        if (_statusStore is null)
        {
            return;
        }

        using var timer = new PeriodicTimer(StatusInterval, _time);
        try
        {
            do
            {
                await WriteStatusAsync(stopping).ConfigureAwait(false);
            }
            while (await timer.WaitForNextTickAsync(stopping).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
    }

    private async Task WriteStatusAsync(CancellationToken cancellationToken)
    {
        if (_statusStore is null)
        {
            return;
        }

        try
        {
            await _statusStore.WriteStatusAsync(GetStatus(), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            SafetyManagerLog.StatusWriteFailed(_logger, ex);
        }
    }

    /// <summary>One check's loop: run, record, wait out the rest of the interval (start to start).</summary>
    private async Task CheckLoopAsync(int componentIndex, int checkIndex, CancellationToken stopping)
    {
        var component = _components[componentIndex];
        var check = component.Checks[checkIndex];
        while (!stopping.IsCancellationRequested)
        {
            var started = _time.GetTimestamp();
            try
            {
                var (status, description, exception) = await RunOnceAsync(check, stopping).ConfigureAwait(false);
                var duration = _time.GetElapsedTime(started);
                _metrics.CheckDuration.Record(duration.TotalSeconds,
                    new KeyValuePair<string, object?>("component", component.Name),
                    new KeyValuePair<string, object?>("check", check.Name),
                    new KeyValuePair<string, object?>("status", status.ToString()));
                SafetyManagerLog.CheckCompleted(_logger, component.Name, check.Name, status, duration.TotalMilliseconds, description);
                var record = new CheckRecord(componentIndex, checkIndex, status, description, exception?.ToString(), duration, _time.GetUtcNow());
                await _results.Writer.WriteAsync(record, stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                SafetyManagerLog.CheckLoopCrashed(_logger, ex, component.Name, check.Name);
            }

            var wait = check.Interval - _time.GetElapsedTime(started);
            if (wait > TimeSpan.Zero)
            {
                try
                {
                    await Task.Delay(wait, _time, stopping).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (stopping.IsCancellationRequested)
                {
                    return;
                }
            }
        }
    }

    /// <summary>
    /// Runs the probe once, bounded by its timeout even when the probe ignores its token. While an
    /// abandoned run is still going, the check is not started again: it reports failure instead, so a
    /// hung probe cannot pile up work.
    /// </summary>
    private async Task<(CheckStatus Status, string Description, Exception? Exception)> RunOnceAsync(CheckRuntime check, CancellationToken stopping)
    {
        if (check.InFlight is { IsCompleted: false })
        {
            return (CheckStatus.Unhealthy, $"previous run still going after its {Seconds(check.Timeout)} s timeout", null);
        }

        using var timeout = new CancellationTokenSource(check.Timeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(stopping, timeout.Token);
        var token = linked.Token;
        // Task.Run: a probe that blocks before returning its task must not block this loop either.
        var run = Task.Run(() => check.Probe.ProbeAsync(token).AsTask(), CancellationToken.None);
        check.InFlight = run;
        try
        {
            var result = await run.WaitAsync(check.Timeout, _time, stopping).ConfigureAwait(false);
            return (result.Status, result.Description, result.Exception);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex) when (ex is TimeoutException || (ex is OperationCanceledException && timeout.IsCancellationRequested))
        {
            return (CheckStatus.Unhealthy, $"timed out after {Seconds(check.Timeout)} s", null);
        }
        catch (Exception ex)
        {
            return (CheckStatus.Unhealthy, $"threw {ex.GetType().Name}: {ex.Message}", ex);
        }
    }

    private IEnumerable<Measurement<int>> ObserveComponentStates()
    {
        foreach (var component in _components)
        {
            yield return new Measurement<int>(
                Volatile.Read(ref component.State),
                new KeyValuePair<string, object?>("component", component.Name),
                new KeyValuePair<string, object?>("criticality", component.Criticality.ToString()));
        }
    }

    private int IndexOf(string component) =>
        _componentIndex.TryGetValue(component, out var index)
            ? index
            : throw new ArgumentException($"No component named '{component}'. Known: {string.Join(", ", _componentIndex.Keys)}.", nameof(component));

    private static string Cause(CheckTracker tracker, in CheckRecord record) => tracker.Condition switch
    {
        CheckCondition.Failing => $"{tracker.Name}: {record.Description} ({tracker.ConsecutiveFailures} consecutive failures)",
        CheckCondition.Recovering => $"{tracker.Name}: {record.Description} (recovering, {tracker.ConsecutiveSuccesses} good result(s) so far)",
        CheckCondition.Passing or CheckCondition.Warning => $"{tracker.Name}: {record.Description} ({tracker.ConsecutiveSuccesses} consecutive good results)",
        _ => $"{tracker.Name}: {record.Description}",
    };

    private static CheckReport Report(CheckTracker tracker) => new()
    {
        Name = tracker.Name,
        Type = tracker.Type,
        Condition = tracker.Condition,
        ConsecutiveFailures = tracker.ConsecutiveFailures,
        ConsecutiveSuccesses = tracker.ConsecutiveSuccesses,
        LastStatus = tracker.Last?.Status,
        LastDescription = tracker.Last?.Description,
        LastException = tracker.Last?.Exception,
        LastDurationMs = tracker.Last?.Duration.TotalMilliseconds,
        LastRunAt = tracker.Last?.At,
    };

    private static string Seconds(TimeSpan span) => span.TotalSeconds.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture);

    private sealed class ComponentRuntime(string name, Criticality criticality, CheckRuntime[] checks)
    {
        public string Name { get; } = name;

        public Criticality Criticality { get; } = criticality;

        public CheckRuntime[] Checks { get; } = checks;

        // A SafetyState as int so it can be read with Volatile from any thread; written under the gate.
        public int State = (int)SafetyState.Unknown;

        public DateTimeOffset? Since;
    }

    private sealed class CheckRuntime(string name, CheckType type, TimeSpan interval, TimeSpan timeout, IHealthProbe probe, CheckTracker tracker)
    {
        public string Name { get; } = name;

        public CheckType Type { get; } = type;

        public TimeSpan Interval { get; } = interval;

        public TimeSpan Timeout { get; } = timeout;

        public IHealthProbe Probe { get; } = probe;

        public CheckTracker Tracker { get; } = tracker;

        /// <summary>The latest run, kept so an abandoned (hung) run is not started again. Only the check's loop touches it.</summary>
        public Task? InFlight;
    }
}
