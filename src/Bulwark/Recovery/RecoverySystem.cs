using System.Globalization;
using System.Threading.Channels;
using Bulwark.Availability;
using Bulwark.Failover;
using Bulwark.Health;
using Bulwark.Recovery.Actions;
using Microsoft.Extensions.Logging;

namespace Bulwark.Recovery;

/// <summary>
/// The RecoverySystem: supervises processes and runs recovery plans when their triggers fire (a component state held
/// for N checks, a burn-rate alert, an incident, a failed failover, a supervised process's exit) or when a person asks.
/// The same plan never runs twice at once for the same subject: a trigger that comes while it runs is recorded and
/// coalesced. Automatic runs that keep coming back are bounded and escalated. A run that a stop of Bulwark cut short is
/// recorded as interrupted, at the stop or at the next start.
/// </summary>
internal sealed class RecoverySystem : IAsyncDisposable
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(200);

    /// <summary>A request older than this when first seen is not run: whoever asked has stopped waiting.</summary>
    internal static readonly TimeSpan RequestLifetime = TimeSpan.FromSeconds(15);

    private readonly BulwarkOptions _options;
    private readonly RecoveryOptions _recovery;
    private readonly IEventStore _store;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly RecoveryRecorder _recorder;
    private readonly PlanRunner _runner;
    private readonly TimeSpan _maxRecoveryTime;
    private readonly Dictionary<string, RecoveryPlan> _plans;
    private readonly Lock _sync = new();
    private readonly Dictionary<string, Running> _running = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Queue<long>> _automaticRuns = new(StringComparer.Ordinal);
    private readonly HashSet<string> _escalatedBound = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _lastTransition = new(StringComparer.Ordinal);
    private readonly HashSet<string> _seenIncidents = new(StringComparer.Ordinal);
    private readonly Channel<ProcessEvent> _processEvents = Channel.CreateUnbounded<ProcessEvent>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _stopping = new();
    private Task? _processLoop;
    private Task? _pollLoop;
    private SafetyManager? _manager;
    private Func<AvailabilityMonitor?> _availability = () => null;
    private long _cursor;
    private int _state; // 0 created, 1 started, 2 stopped

    public RecoverySystem(BulwarkOptions options, IEventStore store, TimeProvider time, ILoggerFactory loggers, HttpClient http, string systemctl = "systemctl", Func<double>? random = null)
    {
        _options = options;
        _recovery = options.Recovery ?? throw new ArgumentException("The options have no recovery section.", nameof(options));
        _store = store;
        _time = time;
        _logger = loggers.CreateLogger<RecoverySystem>();
        _maxRecoveryTime = TimeSpan.FromSeconds(Math.Min(options.MaxRecoveryTimeSeconds, RecoveryLimits.MaxPlanSeconds));
        Supervisor = new ProcessSupervisor(_recovery.Processes, options.DataDirectory, time, _logger, random);
        Actions = new ActionFactory(Supervisor, http, systemctl);
        _recorder = new RecoveryRecorder(store, time, _logger);
        _recorder.Recorded += e => Recorded?.Invoke(e);
        _runner = new PlanRunner(_recorder, Actions, () => _manager?.GetStatus(), _maxRecoveryTime, Supervisor);
        _plans = RecoveryPlan.All(options).ToDictionary(p => p.Name, StringComparer.Ordinal);
        Supervisor.Changed += change => _processEvents.Writer.TryWrite(change);
    }

    /// <summary>Raised after every recovery event is appended (for <c>bulwark run</c>'s output).</summary>
    public event Action<SafetyEvent>? Recorded;

    public ProcessSupervisor Supervisor { get; }

    public ActionFactory Actions { get; }

    public IReadOnlyCollection<RecoveryPlan> Plans => _plans.Values;

    public TimeSpan MaxRecoveryTime => _maxRecoveryTime;

    /// <summary>The probe of a supervised process's <c>process</c> check; null for every other check.</summary>
    internal IHealthProbe? ProbeFor(ComponentOptions component, CheckOptions check) =>
        SupervisedComponents.IsSupervisorCheck(check) && Supervisor.Names.Contains(component.Name)
            ? new SupervisedProcessProbe(Supervisor, component.Name)
            : null;

    /// <summary>
    /// Records runs the previous Bulwark left unfinished as interrupted, starts the supervised processes and the
    /// triggers. Call before the manager's checks start, so their first runs find the processes.
    /// </summary>
    public async Task StartAsync(SafetyManager manager, Func<AvailabilityMonitor?> availability, CancellationToken cancellationToken)
    {
        if (Interlocked.CompareExchange(ref _state, 1, 0) != 0)
        {
            throw new InvalidOperationException("The recovery system starts once.");
        }

        _manager = manager;
        _availability = availability;
        await RecordInterruptedAsync(cancellationToken).ConfigureAwait(false);
        var latest = await _store.ReadAsync(new EventQuery { Limit = 1 }, cancellationToken).ConfigureAwait(false);
        _cursor = latest.Count > 0 ? latest[0].Sequence : 0;
        manager.Transitioned += OnTransition;
        var stopping = _stopping.Token;
        _processLoop = Task.Run(ProcessLoopAsync, CancellationToken.None);
        await Supervisor.StartAsync(cancellationToken).ConfigureAwait(false);
        _pollLoop = Task.Run(() => PollLoopAsync(stopping), CancellationToken.None);
    }

    /// <summary>Runs a plan for a person. Null when the same plan is already running for its subject (then coalesced into it).</summary>
    public Task<RecoveryOutcome>? RunAsync(string plan, RecoveryTrigger trigger)
    {
        var found = _plans.GetValueOrDefault(plan) ?? throw new ArgumentException($"No recovery plan named '{plan}'. Known: {string.Join(", ", _plans.Keys)}.", nameof(plan));
        return Fire(found, trigger);
    }

    /// <summary>Stops the triggers, lets running plans record themselves interrupted, then stops the processes.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.CompareExchange(ref _state, 2, 1) != 1)
        {
            return;
        }

        if (_manager is not null)
        {
            _manager.Transitioned -= OnTransition;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        Task[] running;
        lock (_sync)
        {
            running = _running.Values.Select(r => r.Task).OfType<Task>().ToArray();
        }

        await Task.WhenAll(running.Append(_pollLoop ?? Task.CompletedTask)).WaitAsync(TimeSpan.FromSeconds(15), _time, cancellationToken).ConfigureAwait(false);

        // The processes' own stops are recorded before the loop that records them ends.
        await Supervisor.StopAsync(cancellationToken).ConfigureAwait(false);
        _processEvents.Writer.TryComplete();
        await (_processLoop ?? Task.CompletedTask).WaitAsync(TimeSpan.FromSeconds(15), _time, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // A plan that ignores its cancellation is abandoned; the processes are stopped below all the same.
        }

        await Supervisor.DisposeAsync().ConfigureAwait(false);
        _stopping.Dispose();
    }

    /// <summary>Starts the plan for its subject unless it runs already (coalesced) or its automatic runs are used up.</summary>
    private Task<RecoveryOutcome>? Fire(RecoveryPlan plan, RecoveryTrigger trigger)
    {
        var key = plan.Name + "\n" + plan.Subject;
        Running? coalescedInto = null;
        var escalate = false;
        var suppressed = false;
        Running running;
        lock (_sync)
        {
            if (_state != 1 || _stopping.IsCancellationRequested)
            {
                return null;
            }

            if (_running.TryGetValue(key, out var current))
            {
                current.Coalesced++;
                coalescedInto = current;
                running = current;
            }
            else if (!trigger.Manual && plan.RestartOf is null && !AllowAutomatic(key, out escalate))
            {
                suppressed = true;
                running = null!;
            }
            else
            {
                if (trigger.Manual)
                {
                    _automaticRuns.Remove(key);
                    _escalatedBound.Remove(key);
                }

                running = new Running();
                _running[key] = running;
            }
        }

        if (suppressed)
        {
            _ = RecordSuppressedAsync(plan, trigger, escalate);
            return null;
        }

        if (coalescedInto is not null)
        {
            RecoveryLog.Coalesced(_logger, plan.Name, plan.Subject, trigger.Description);
            _ = RecordCoalescedAsync(plan, trigger, coalescedInto);
            return null;
        }

        RecoveryLog.PlanStarted(_logger, plan.Name, plan.Subject, trigger.Description);
        running.Task = Task.Run(() => ExecuteAsync(plan, trigger, key, running), CancellationToken.None);
        return running.Task;
    }

    /// <summary>Records a coalesced trigger against the run it joined, once that run has its id.</summary>
    private async Task RecordCoalescedAsync(RecoveryPlan plan, RecoveryTrigger trigger, Running into)
    {
        var id = await into.Id.Task.ConfigureAwait(false);
        await _recorder.RecordAsync(RecoveryEventKinds.Coalesced, plan.Subject,
            $"{plan.Name} is already running for {plan.Subject} ({id}); trigger coalesced: {trigger.Description}",
            new RecoveryEvidence { Execution = id, Plan = plan.Name, Trigger = trigger.Description, TriggerKind = trigger.Kind, Request = trigger.Request, By = trigger.By },
            trigger.By).ConfigureAwait(false);
    }

    private async Task<RecoveryOutcome> ExecuteAsync(RecoveryPlan plan, RecoveryTrigger trigger, string key, Running running)
    {
        RecoveryOutcome outcome;
        try
        {
            outcome = await _runner.RunAsync(plan, trigger, _stopping.Token, id => running.Id.TrySetResult(id)).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            RecoveryLog.PlanCrashed(_logger, ex, plan.Name);
            running.Id.TrySetResult("REC-?");
            outcome = new RecoveryOutcome("REC-?", RecoveryOutcome.Failed, TimeSpan.Zero, $"{plan.Name} crashed: {ex.Message}");
        }

        RecoveryLog.PlanFinished(_logger, plan.Name, plan.Subject, outcome.Outcome, outcome.Duration.TotalSeconds, outcome.Cause);
        int coalesced;
        lock (_sync)
        {
            _running.Remove(key);
            coalesced = running.Coalesced;
        }

        // Triggers folded into this run may have seen a newer fault than the one it repaired: one more run if it is still there.
        if (coalesced > 0 && !_stopping.IsCancellationRequested && StillNeeded(plan))
        {
            _ = Fire(plan, new RecoveryTrigger("coalesced", string.Create(CultureInfo.InvariantCulture,
                $"{coalesced} trigger(s) came while {outcome.Execution} ran and the fault is still there")));
        }

        return outcome;
    }

    private bool StillNeeded(RecoveryPlan plan)
    {
        foreach (var trigger in plan.Options.Triggers)
        {
            if (trigger.ProcessExit is { } process && Supervisor.AnyDown(process))
            {
                return true;
            }

            if (trigger.State is { } state && (trigger.Component ?? plan.Options.Component) is { } component && _manager?.GetState(component) == state)
            {
                return true;
            }
        }

        return false;
    }

    private bool AllowAutomatic(string key, out bool escalate)
    {
        escalate = false;
        var now = _time.GetTimestamp();
        var window = TimeSpan.FromSeconds(_recovery.AutomaticRunWindowSeconds);
        if (!_automaticRuns.TryGetValue(key, out var runs))
        {
            runs = new Queue<long>();
            _automaticRuns[key] = runs;
        }

        while (runs.Count > 0 && _time.GetElapsedTime(runs.Peek(), now) > window)
        {
            runs.Dequeue();
        }

        if (runs.Count >= _recovery.MaxAutomaticRuns)
        {
            escalate = _escalatedBound.Add(key);
            return false;
        }

        _escalatedBound.Remove(key);
        runs.Enqueue(now);
        return true;
    }

    private async Task RecordSuppressedAsync(RecoveryPlan plan, RecoveryTrigger trigger, bool escalate)
    {
        var why = string.Create(CultureInfo.InvariantCulture,
            $"{plan.Name} ran {_recovery.MaxAutomaticRuns} time(s) for {plan.Subject} within {_recovery.AutomaticRunWindowSeconds} s without the fault staying away (recovery.maxAutomaticRuns)");
        var evidence = new RecoveryEvidence { Plan = plan.Name, Trigger = trigger.Description, TriggerKind = trigger.Kind };
        await _recorder.RecordAsync(RecoveryEventKinds.Suppressed, plan.Subject, $"not run: {why}; trigger: {trigger.Description}", evidence).ConfigureAwait(false);
        if (escalate)
        {
            RecoveryLog.Escalated(_logger, plan.Name, plan.Subject, why);
            await _recorder.RecordAsync(RecoveryEventKinds.Escalated, plan.Subject, $"automatic recovery stopped: {why}; a person is needed (bulwark recover run {plan.Name})", evidence)
                .ConfigureAwait(false);
        }
    }

    private void OnTransition(SafetyEvent transition)
    {
        if (transition.Kind != EventKinds.ComponentState || !Enum.TryParse<SafetyState>(transition.To, out var to))
        {
            return;
        }

        long mark;
        lock (_sync)
        {
            mark = (_lastTransition.GetValueOrDefault(transition.Subject) + 1);
            _lastTransition[transition.Subject] = mark;
        }

        foreach (var plan in _plans.Values)
        {
            foreach (var trigger in plan.Options.Triggers)
            {
                if (trigger.State != to || (trigger.Component ?? plan.Options.Component) != transition.Subject)
                {
                    continue;
                }

                var description = string.Create(CultureInfo.InvariantCulture,
                    $"{transition.Subject} {transition.From} -> {transition.To}{(trigger.Checks > 1 ? $", still {to} {trigger.Checks} checks later" : "")}: {transition.Cause}");
                if (trigger.Checks <= 1)
                {
                    _ = Fire(plan, new RecoveryTrigger("state", description));
                    continue;
                }

                var wait = ShortestInterval(transition.Subject) * (trigger.Checks - 1);
                var (heldPlan, component, expected) = (plan, transition.Subject, mark);
                _ = Task.Run(async () =>
                {
                    try
                    {
                        await Task.Delay(wait, _time, _stopping.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException)
                    {
                        return;
                    }

                    bool unchanged;
                    lock (_sync)
                    {
                        unchanged = _lastTransition.GetValueOrDefault(component) == expected;
                    }

                    if (unchanged && _manager?.GetState(component) == to)
                    {
                        _ = Fire(heldPlan, new RecoveryTrigger("state", description));
                    }
                }, CancellationToken.None);
            }
        }
    }

    private TimeSpan ShortestInterval(string component)
    {
        var options = _options.Components.FirstOrDefault(c => c.Name == component);
        var seconds = options?.Checks.Select(c => c.IntervalSeconds ?? _options.CheckIntervalSeconds).DefaultIfEmpty(_options.CheckIntervalSeconds).Min()
            ?? _options.CheckIntervalSeconds;
        return TimeSpan.FromSeconds(seconds);
    }

    /// <summary>Records each supervisor change in order, then fires the plans an unexpected exit triggers.</summary>
    private async Task ProcessLoopAsync()
    {
        // Ends when the stop completes the channel, after the supervisor's last exit is queued.
        await foreach (var change in _processEvents.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            await RecordProcessEventAsync(change).ConfigureAwait(false);
            if (change.Kind == ProcessEventKind.GaveUp)
            {
                var how = _plans.ContainsKey(RecoveryPlan.RestartPlanName(change.Process))
                    ? $"bulwark recover run {RecoveryPlan.RestartPlanName(change.Process)} --by NAME --reason TEXT"
                    : "a plan that restarts it, run by a person";
                RecoveryLog.Escalated(_logger, "supervisor", change.Process, change.Description);
                await _recorder.RecordAsync(RecoveryEventKinds.Escalated, change.Process,
                    $"{change.Description}; the supervisor stopped restarting it, a person is needed ({how} resets the start limit)",
                    new RecoveryEvidence { Process = change.Process, Replica = change.Replica, Pid = change.Pid }).ConfigureAwait(false);
            }

            if (change.Kind != ProcessEventKind.Failed)
            {
                continue;
            }

            foreach (var plan in _plans.Values)
            {
                if (plan.Options.Triggers.Any(t => t.ProcessExit == change.Process) &&
                    (plan.RestartOf is not { } process || process.Restart == RestartPolicy.Always || ExitDescription.IsFailure(change.ExitCode ?? -1)))
                {
                    _ = Fire(plan, new RecoveryTrigger("processExit", change.Description));
                }
            }
        }
    }

    private Task RecordProcessEventAsync(ProcessEvent change)
    {
        var kind = change.Kind switch
        {
            ProcessEventKind.Started => RecoveryEventKinds.ProcessStarted,
            ProcessEventKind.Stopped => RecoveryEventKinds.ProcessStopped,
            ProcessEventKind.Failed => RecoveryEventKinds.ProcessFailed,
            ProcessEventKind.GaveUp => RecoveryEventKinds.CrashLoop,
            _ => RecoveryEventKinds.ProcessStopped,
        };
        return _recorder.RecordAsync(kind, change.Process, change.Description, new RecoveryEvidence
        {
            Process = change.Process,
            Replica = change.Replica >= 0 ? change.Replica : null,
            Pid = change.Pid,
            PreviousPid = change.PreviousPid,
            ExitCode = change.ExitCode,
            RanForSeconds = change.RanFor?.TotalSeconds,
        });
    }

    /// <summary>Reads new events for requests, alerts and failed failovers, and open incidents for incident triggers.</summary>
    private async Task PollLoopAsync(CancellationToken stopping)
    {
        InitialiseIncidents();
        using var timer = new PeriodicTimer(PollInterval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(stopping).ConfigureAwait(false))
            {
                try
                {
                    await PollOnceAsync(stopping).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !stopping.IsCancellationRequested)
                {
                    RecoveryLog.PollFailed(_logger, ex);
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
    }

    internal async Task PollOnceAsync(CancellationToken cancellationToken)
    {
        IReadOnlyList<SafetyEvent> batch;
        do
        {
            batch = await _store.ReadAsync(new EventQuery { AfterSequence = _cursor, Limit = 1000, FromOldest = true }, cancellationToken).ConfigureAwait(false);
            foreach (var e in batch)
            {
                _cursor = Math.Max(_cursor, e.Sequence);
                OnStoredEvent(e);
            }
        }
        while (batch.Count == 1000);

        if (_availability() is { } availability)
        {
            foreach (var incident in availability.GetIncidents(openOnly: true))
            {
                if (!_seenIncidents.Add(incident.Id))
                {
                    continue;
                }

                foreach (var plan in _plans.Values.Where(p => p.Options.Triggers.Any(t => t.Incident && (t.Component ?? p.Options.Component) == incident.Subject)))
                {
                    _ = Fire(plan, new RecoveryTrigger("incident", $"incident {incident.Id} ({incident.Severity}) opened on {incident.Subject}"));
                }
            }
        }
    }

    private void InitialiseIncidents()
    {
        // Incidents already open when Bulwark starts were acted on (or not) by the previous run.
        foreach (var incident in _availability()?.GetIncidents(openOnly: true) ?? [])
        {
            _seenIncidents.Add(incident.Id);
        }
    }

    private void OnStoredEvent(SafetyEvent e)
    {
        switch (e.Kind)
        {
            case RecoveryEventKinds.Requested when RecoveryHistory.Parse(e.Evidence) is { Plan: { } name } request:
                if (_time.GetUtcNow() - e.Time > RequestLifetime || !_plans.TryGetValue(name, out var requested))
                {
                    return;
                }

                _ = Fire(requested, RecoveryTrigger.Person(request.By ?? e.Actor ?? "unknown", request.Reason ?? e.Cause ?? "", e.Sequence));
                break;
            case AvailabilityEventKinds.AlertFired:
                foreach (var plan in _plans.Values.Where(p => p.Options.Triggers.Any(t => t.Alert == e.Subject)))
                {
                    _ = Fire(plan, new RecoveryTrigger("alert", $"burn-rate alert {e.Cause} fired on SLO {e.Subject}"));
                }

                break;
            case FailoverEventKinds.RecoverySlaViolated:
                foreach (var plan in _plans.Values.Where(p => p.Options.Triggers.Any(t => "failover:" + t.Failover == e.Subject)))
                {
                    _ = Fire(plan, new RecoveryTrigger("failover", $"{e.Subject}: failover failed its SLA: {e.Cause}"));
                }

                break;
        }
    }

    private async Task RecordInterruptedAsync(CancellationToken cancellationToken)
    {
        var events = await _store.ReadAsync(new EventQuery { KindPrefix = "recovery.", Limit = 100_000 }, cancellationToken).ConfigureAwait(false);
        foreach (var run in RecoveryHistory.Build(events).Where(r => !r.IsFinished))
        {
            var last = events.Where(e => RecoveryHistory.Parse(e.Evidence)?.Execution == run.Id).Select(e => e.Time).DefaultIfEmpty(run.StartedAt).Max();
            await _recorder.RecordAsync(RecoveryEventKinds.Interrupted, run.Subject,
                $"{run.Plan} ({run.Id}) was running when Bulwark stopped (its last event at {last:O}); recorded as interrupted at this start",
                new RecoveryEvidence
                {
                    Execution = run.Id,
                    Plan = run.Plan,
                    Outcome = RecoveryOutcome.Interrupted,
                    DurationSeconds = (last - run.StartedAt).TotalSeconds,
                    MaxRecoveryTimeSeconds = run.MaxRecoveryTimeSeconds,
                }).ConfigureAwait(false);
        }
    }

    private sealed class Running
    {
        public Task<RecoveryOutcome>? Task;

        public int Coalesced;

        public TaskCompletionSource<string> Id { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
