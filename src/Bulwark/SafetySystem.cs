using System.Diagnostics.Metrics;
using System.Text.Json;
using Bulwark.Availability;
using Bulwark.Configuration;
using Bulwark.Diagnostics;
using Bulwark.Failover;
using Bulwark.Failover.Routing;
using Bulwark.Health;
using Bulwark.Health.Checks;
using Bulwark.Recovery;
using Bulwark.Storage;
using Bulwark.Trading;
using Bulwark.Trading.Journal;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bulwark;

/// <summary>
/// The safety system: one object that owns the components named in the original architecture record.
/// Create it with <see cref="Create"/> (or <c>services.AddBulwark(configuration)</c> in a host), start
/// it, and read <see cref="Manager"/> for states and transitions.
/// </summary>
public sealed class SafetySystem : IAsyncDisposable
{
    private readonly BulwarkOptions _options;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggerFactory;
    private readonly IServiceProvider? _services;
    private readonly IMeterFactory? _meterFactory;
    private readonly IEventStore? _suppliedStore;
    private readonly HttpClient _http;
    private readonly BulwarkMetrics _metrics;
    private readonly HeartbeatRegistry _heartbeats;
    private IEventStore? _ownedStore;
    private SafetyManager? _manager;
    private TradingSafetyBridge? _trading;
    private AvailabilityMonitor? _availability;
    private readonly ILeaseCoordinator? _suppliedLeases;
    private readonly IKillSwitchChannel? _killSwitchChannel;
    private readonly ITradingJournalStore? _suppliedJournalStore;
    private ITradingJournalStore? _ownedJournalStore;
    private TradingJournal? _journal;
    private KillSwitchReplication? _killSwitchReplication;
    private ILeaseCoordinator? _ownedLeases;
    private FailoverManager? _failover;
    private RecoverySystem? _recovery;
    private Bulwark.Redundancy.RedundancyMonitor? _redundancy;
    private CancellationTokenSource? _availabilityStopping;
    private Task? _availabilityLoop;
    private int _state; // 0 created, 1 started, 2 stopped

    private SafetySystem(
        BulwarkOptions options, TimeProvider time, ILoggerFactory loggerFactory, IEventStore? store, IServiceProvider? services, IMeterFactory? meterFactory,
        ILeaseCoordinator? leases, IKillSwitchChannel? killSwitchChannel, ITradingJournalStore? journalStore)
    {
        _suppliedJournalStore = journalStore;
        _suppliedLeases = leases;
        _killSwitchChannel = killSwitchChannel;
        _options = options;
        _time = time;
        _loggerFactory = loggerFactory;
        _suppliedStore = store;
        _services = services;
        _meterFactory = meterFactory;
        _http = HttpProbeClient.Create();
        _metrics = new BulwarkMetrics(meterFactory);
        _heartbeats = new HeartbeatRegistry(time);
        _availabilityLogger = loggerFactory.CreateLogger<AvailabilityMonitor>();
    }

    private readonly ILogger _availabilityLogger;

    /// <summary>
    /// Creates a safety system from validated options (the record's <c>create_safety_system</c>).
    /// Every configuration error is reported at once in a <see cref="BulwarkOptionsException"/>;
    /// nothing is started half-configured.
    /// </summary>
    /// <param name="options">What to watch and the figures to hold it to.</param>
    /// <param name="timeProvider">The clock; <see cref="TimeProvider.System"/> when null.</param>
    /// <param name="loggerFactory">Where logs go; nowhere when null.</param>
    /// <param name="eventStore">The event log; the embedded SQLite file under the data directory when null.</param>
    /// <param name="leaseCoordinator">
    /// The lease coordinator of the <c>failover:</c> section; when null, the SQLite file it names under the data
    /// directory (PostgreSQL and etcd coordinators come from Bulwark.PostgreSql and Bulwark.Etcd, and must be passed).
    /// </param>
    /// <param name="killSwitchChannel">
    /// Where the kill switch is shared with the installation's other nodes, when <c>failover.coordinator</c> shares it
    /// (PostgreSqlKillSwitchChannel, EtcdKillSwitchChannel).
    /// </param>
    /// <param name="tradingJournalStore">
    /// Where the trading journal lives (<c>trading.journal:</c>); when null, the SQLite file it names under the data
    /// directory. A PostgreSQL journal (<c>store: postgres</c>) is PostgreSqlTradingJournalStore from Bulwark.PostgreSql,
    /// and must be passed. The system does not dispose a store it was given.
    /// </param>
    public static SafetySystem Create(
        BulwarkOptions options, TimeProvider? timeProvider = null, ILoggerFactory? loggerFactory = null, IEventStore? eventStore = null,
        ILeaseCoordinator? leaseCoordinator = null, IKillSwitchChannel? killSwitchChannel = null, ITradingJournalStore? tradingJournalStore = null) =>
        Create(options, timeProvider, loggerFactory, eventStore, services: null, meterFactory: null, healthCheckRegistrations: null, leaseCoordinator, killSwitchChannel, tradingJournalStore);

    internal static SafetySystem Create(
        BulwarkOptions options,
        TimeProvider? timeProvider,
        ILoggerFactory? loggerFactory,
        IEventStore? eventStore,
        IServiceProvider? services,
        IMeterFactory? meterFactory,
        IReadOnlyCollection<string>? healthCheckRegistrations,
        ILeaseCoordinator? leaseCoordinator = null,
        IKillSwitchChannel? killSwitchChannel = null,
        ITradingJournalStore? tradingJournalStore = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        SupervisedComponents.AddTo(options);
        var errors = BulwarkOptionsValidator.Validate(options, healthCheckRegistrations);
        if (errors.Count > 0)
        {
            throw new BulwarkOptionsException(errors);
        }

        return new SafetySystem(options, timeProvider ?? TimeProvider.System, loggerFactory ?? NullLoggerFactory.Instance, eventStore, services, meterFactory, leaseCoordinator, killSwitchChannel, tradingJournalStore);
    }

    /// <summary>
    /// Raised after every component or system transition is appended to the event log (see
    /// <see cref="SafetyManager.Transitioned"/>). Subscribe before <see cref="StartAsync"/> to miss none.
    /// </summary>
    public event Action<SafetyEvent>? Transitioned;

    /// <summary>The validated options the system runs with.</summary>
    public BulwarkOptions Options => _options;

    /// <summary>Component and system states. Available once started.</summary>
    public SafetyManager Manager => _manager ?? throw new InvalidOperationException("Start the safety system first.");

    /// <summary>
    /// The pre-trade risk gate with its kill switch, driven by the system state; null when the options have no
    /// <see cref="BulwarkOptions.Trading"/>. Available once started (kill-switch latches are restored from the
    /// event log before any check runs).
    /// </summary>
    public TradingSafetyBridge? Trading => _trading;

    /// <summary>
    /// Failover of this replica (the <c>failover:</c> section): its groups' electors and every failover recorded; null
    /// without that section. Available once started.
    /// </summary>
    public FailoverManager? Failover => _failover;

    /// <summary>
    /// Supervised processes and recovery plans (the <c>recovery:</c> section); null without it. Available once started.
    /// </summary>
    internal RecoverySystem? Recovery => _recovery;

    /// <summary>The lease coordinator of the failover groups (supplied or the system's own SQLite one); null without failover.</summary>
    internal ILeaseCoordinator? Leases => _suppliedLeases ?? _ownedLeases;

    /// <summary>The recovery-time SLA over every recorded failover (the record's <c>validate_recovery_time_sla</c>).</summary>
    public RecoveryTimeReport ValidateRecoveryTimeSla() =>
        _failover?.ValidateRecoveryTimeSla() ?? RecoveryTimeReport.From([], TimeSpan.FromSeconds(_options.MaxRecoveryTimeSeconds));

    /// <summary>
    /// Redundancy now (the record's <c>validate_redundancy</c>): the level reached (the lowest healthy − N of the
    /// services), the level required, whether every service has N + k healthy replicas, and every finding (single points
    /// of failure, spread, standby readiness), from live component health, pid files and the last leases read.
    /// Without a <c>redundancy:</c> section it is not met and says so. Available once started.
    /// </summary>
    public Bulwark.Redundancy.RedundancyReport ValidateRedundancy() =>
        _redundancy?.EvaluateNow() ?? new Bulwark.Redundancy.RedundancyValidator(_options).Evaluate(_ => null, new Dictionary<string, string>(), _time.GetUtcNow());

    /// <summary>Like <see cref="ValidateRedundancy"/>, reading the leases first, and recording the events a change of level calls for.</summary>
    public async Task<Bulwark.Redundancy.RedundancyReport> ValidateRedundancyAsync(CancellationToken cancellationToken = default) =>
        _redundancy is null ? ValidateRedundancy() : await _redundancy.RefreshAsync(cancellationToken).ConfigureAwait(false);

    /// <summary>SLOs, error budgets, burn-rate alerts and incidents, rebuilt from the event log. Available once started.</summary>
    public AvailabilityMonitor Availability => _availability ?? throw new InvalidOperationException("Start the safety system first.");

    /// <summary>Every SLO now (the record's <c>validate_availability_sla</c>): availability, budget, burn rates, alerts.</summary>
    public AvailabilityReport ValidateAvailabilitySla() => Availability.ValidateAvailabilitySla();

    /// <summary>
    /// Counts good and total events for an events SLO (for example acknowledged orders against venue errors).
    /// Cheap and thread-safe: counts are summed in memory and written as one event per SLO at the next refresh
    /// (every 5 s), never one store write per call.
    /// </summary>
    /// <exception cref="ArgumentException">No events SLO has that name, or the counts are impossible.</exception>
    public void RecordEvents(string slo, long good, long total)
    {
        var definition = Availability.Slos.FirstOrDefault(s => s.Name == slo)
            ?? throw new ArgumentException($"No SLO named '{slo}'. Known: {string.Join(", ", Availability.Slos.Select(s => s.Name))}.", nameof(slo));
        if (definition.Sli != SliKind.Events)
        {
            throw new ArgumentException($"SLO '{slo}' measures time, not events (sli: events).", nameof(slo));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(good);
        ArgumentOutOfRangeException.ThrowIfLessThan(total, good);
        _pendingSliEvents.AddOrUpdate(slo, (good, total), (_, sum) => (sum.Good + good, sum.Total + total));
    }

    /// <summary>
    /// Records that a fault was injected into a component (a failover drill) at <paramref name="at"/>, by whom: the
    /// next incident of that component gets its time to detect (MTTD). Written before it returns.
    /// </summary>
    public async Task RecordFaultAsync(string component, DateTimeOffset at, string who, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(who);
        if (component != "system" && !_options.Components.Any(c => c.Name == component))
        {
            throw new ArgumentException($"No component named '{component}'.", nameof(component));
        }

        await Events.AppendAsync(new SafetyEvent { Time = at, Kind = AvailabilityEventKinds.FaultInjected, Subject = component, Actor = who, Cause = "fault injected" }, cancellationToken)
            .ConfigureAwait(false);
        await Availability.CatchUpAsync(Events, cancellationToken).ConfigureAwait(false);
    }

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, (long Good, long Total)> _pendingSliEvents = new(StringComparer.Ordinal);

    /// <summary>How often the availability monitor reads new events and evaluates burn-rate alerts.</summary>
    internal static readonly TimeSpan AvailabilityInterval = TimeSpan.FromSeconds(5);

    /// <summary>The clock the system runs on (the server reads time from it too).</summary>
    internal TimeProvider Time => _time;

    /// <summary>Where the system's logs go (the server logs there too).</summary>
    internal ILoggerFactory LoggerFactory => _loggerFactory;

    /// <summary>The instruments on the <c>Bulwark</c> meter.</summary>
    internal BulwarkMetrics Metrics => _metrics;

    /// <summary>The redundancy monitor; null without a <c>redundancy:</c> section or before the start.</summary>
    internal Bulwark.Redundancy.RedundancyMonitor? Redundancy => _redundancy;

    /// <summary>The event log. Available once started.</summary>
    public IEventStore Events => _suppliedStore ?? _ownedStore ?? throw new InvalidOperationException("Start the safety system first.");

    /// <summary>What is loose in the embedded store's permissions (see <see cref="SqliteEventStore.PermissionWarnings"/>); empty before the start.</summary>
    internal IReadOnlyList<string> StoreWarnings => (_ownedStore as SqliteEventStore)?.PermissionWarnings ?? [];

    /// <summary>Path of the embedded store's file under the data directory.</summary>
    public string DatabasePath => Path.GetFullPath(Path.Combine(_options.DataDirectory, BulwarkDefaults.DatabaseFileName));

    /// <summary>Opens the store and starts every check. Returns once the start is recorded in the event log.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.CompareExchange(ref _state, 1, 0) != 0)
        {
            throw new InvalidOperationException("A safety system starts once.");
        }

        var store = _suppliedStore;
        if (store is null)
        {
            var owned = await SqliteEventStore.OpenAsync(DatabasePath, cancellationToken).ConfigureAwait(false);
            _ownedStore = owned;
            store = owned;
            var storageLogger = _loggerFactory.CreateLogger<SqliteEventStore>();
            foreach (var warning in owned.PermissionWarnings)
            {
                StorageLog.LoosePermissions(storageLogger, warning);
            }
        }

        var context = new ProbeContext(_http, _time, _heartbeats, _services);
        if (_options.Recovery is not null)
        {
            _recovery = new RecoverySystem(_options, store, _time, _loggerFactory, _http);
        }

        _manager = new SafetyManager(
            _options,
            (component, check, interval) => _recovery?.ProbeFor(component, check) ?? ProbeFactory.Create(component, check, context, interval),
            _heartbeats,
            store,
            _time,
            _loggerFactory.CreateLogger<SafetyManager>(),
            _metrics);
        _manager.Transitioned += e => Transitioned?.Invoke(e);
        if (_options.Trading is { } trading)
        {
            // Before any check runs: latches restored, and the first system transition already drives trading.
            _trading = new TradingSafetyBridge(
                new RiskGate(trading, _time), store, _options.TradingPolicy, _loggerFactory.CreateLogger<TradingSafetyBridge>());
            _trading.HoldUntilFirstEvidence();
            if (_options.TradingJournal is { Enabled: true } journalOptions)
            {
                // Held (only cancels pass) until the gate is rebuilt from the journal; a journal that cannot be read fails
                // the start. Before the bridge's evaluation loop, so no loss limit is judged on a half-rebuilt gate.
                await StartJournalAsync(_trading, journalOptions, cancellationToken).ConfigureAwait(false);
            }

            await _trading.StartAsync(cancellationToken).ConfigureAwait(false);
            _manager.Transitioned += _trading.OnSafetyEvent;
            var killSwitch = _trading.KillSwitch;
            var manager = _manager;
            killSwitch.DurabilityChanged += () =>
            {
                // Held at Critical only once the store has refused an engage's write: an engage being written is already
                // in force on the gate, and holding then made every engage a system Critical (and, with the default
                // restoreOnRecovery: false, left the whole firm Reducing after a symbol's kill switch).
                var durability = killSwitch.NotDurable;
                _ = manager.SetHoldAsync("killswitch", durability.IsFailing ? durability.ToString() : null);
            };
        }

        if (_recovery is not null)
        {
            // Before the checks start, so their first runs find the supervised processes.
            await _recovery.StartAsync(_manager, () => _availability, cancellationToken).ConfigureAwait(false);
        }

        await _manager.StartAsync(cancellationToken).ConfigureAwait(false);
        if (_options.Failover is { } failover)
        {
            await StartFailoverAsync(failover, store, cancellationToken).ConfigureAwait(false);
        }

        if (_options.Redundancy is { } redundancy)
        {
            _redundancy = new Bulwark.Redundancy.RedundancyMonitor(
                new Bulwark.Redundancy.RedundancyValidator(_options), redundancy, _manager, store, _ownedLeases ?? _suppliedLeases, _trading?.Gate, _time,
                _loggerFactory.CreateLogger<Bulwark.Redundancy.RedundancyMonitor>());
            _redundancy.Start();
        }

        // Driven by the store alone (not by live notifications, which could overtake a catch-up read), so the
        // history after a restart is the history before it.
        _availability = await AvailabilityMonitor.ReplayAsync(_options, store, _time, cancellationToken).ConfigureAwait(false);
        _availability.RegisterMetrics(_metrics.Meter);
        _availabilityStopping = new CancellationTokenSource();
        var stopping = _availabilityStopping.Token;
        _availabilityLoop = Task.Run(() => AvailabilityLoopAsync(stopping), CancellationToken.None);
    }

    /// <summary>Path of the embedded trading journal's file under the data directory (when <c>trading.journal.store</c> is sqlite).</summary>
    public string TradingJournalPath => Path.GetFullPath(Path.Combine(_options.DataDirectory, _options.TradingJournal.Path));

    private async Task StartJournalAsync(TradingSafetyBridge trading, TradingJournalOptions journalOptions, CancellationToken cancellationToken)
    {
        var store = _suppliedJournalStore;
        var where = journalOptions.Store == TradingJournalStoreKind.Sqlite ? TradingJournalPath : "postgresql";
        if (store is null)
        {
            if (journalOptions.Store != TradingJournalStoreKind.Sqlite)
            {
                throw new InvalidOperationException(
                    "trading.journal.store is postgres: pass its store to SafetySystem.Create (PostgreSqlTradingJournalStore from Bulwark.PostgreSql), " +
                    "or register it as ITradingJournalStore with AddBulwark; the bulwark command does.");
            }

            try
            {
                _ownedJournalStore = await SqliteTradingJournalStore.OpenAsync(TradingJournalPath, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is Microsoft.Data.Sqlite.SqliteException or InvalidDataException)
            {
                throw new StoreUnreadableException($"the trading journal at {where} cannot be opened ({ex.Message.TrimEnd('.')}): trading stays held; restore the file from a backup or move it away (positions then start flat)", ex);
            }

            store = _ownedJournalStore;
        }

        try
        {
            _journal = await TradingJournal.StartAsync(trading.Gate, store, journalOptions, _loggerFactory.CreateLogger<TradingJournal>(), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            throw new StoreUnreadableException($"the trading journal at {where} cannot be read to rebuild the gate ({ex.Message.TrimEnd('.')}): trading stays held", ex);
        }

        trading.Journal = _journal;
    }

    private async Task StartFailoverAsync(FailoverOptions failover, IEventStore store, CancellationToken cancellationToken)
    {
        var leases = _suppliedLeases;
        if (leases is null)
        {
            if (failover.Coordinator.Backend != CoordinatorBackend.Sqlite)
            {
                throw new InvalidOperationException(
                    $"failover.coordinator.backend is {failover.Coordinator.Backend}: pass its coordinator to SafetySystem.Create " +
                    "(PostgreSqlLeaseCoordinator from Bulwark.PostgreSql, EtcdLeaseCoordinator from Bulwark.Etcd), or register it as ILeaseCoordinator with AddBulwark; the bulwark command does.");
            }

            _ownedLeases = await SqliteLeaseCoordinator.OpenAsync(
                Path.Combine(_options.DataDirectory, failover.Coordinator.Path), _time, cancellationToken).ConfigureAwait(false);
            leases = _ownedLeases;
        }

        _failover = await FailoverManager.StartAsync(
            store, TimeSpan.FromSeconds(_options.MaxRecoveryTimeSeconds), _time, _loggerFactory.CreateLogger<FailoverManager>(), cancellationToken).ConfigureAwait(false);
        if (failover.Coordinator.SharesKillSwitch && _trading is not null)
        {
            var channel = _killSwitchChannel ?? throw new InvalidOperationException(
                "failover.coordinator shares the kill switch: pass its channel to SafetySystem.Create (PostgreSqlKillSwitchChannel, EtcdKillSwitchChannel), or register it as IKillSwitchChannel with AddBulwark; the bulwark command does.");

            // Trading waits for the shared state (not leader until read); the start does not wait longer than this.
            using var firstRead = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            firstRead.CancelAfter(TimeSpan.FromSeconds(5));
            _killSwitchReplication = await KillSwitchReplication.StartAsync(
                _trading.KillSwitch, channel, _loggerFactory.CreateLogger<KillSwitchReplication>(), firstRead.Token).ConfigureAwait(false);
        }

        StartRouting(failover);
        foreach (var group in failover.Groups.Where(g => g.Strategy == FailoverStrategy.ActivePassive && !g.Observe))
        {
            var elector = new LeaderElector(leases, group.Name, failover.Replica, group.ToElectorOptions(), _time);
            _failover.Track(elector);
            if (group.Trading && _trading is not null)
            {
                elector.BindTo(_trading.Gate); // closed at once: no order passes until this replica leads

                // And until, once it leads, it has read the previous term from the journal (or a drop copy was loaded).
                _journal?.Follow(elector);
            }

            await elector.StartAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Pools for active-active and load-balanced groups (health from their components), breakers for circuit-breaker groups.</summary>
    private void StartRouting(FailoverOptions failover)
    {
        var pools = new Dictionary<string, ReplicaPool>(StringComparer.Ordinal);
        var breakers = new Dictionary<string, CircuitBreakerFailover>(StringComparer.Ordinal);
        foreach (var group in failover.Groups)
        {
            var endpoints = group.Replicas.Select(r => new ReplicaEndpoint(r.Name, r.Address, r.Weight)).ToList();
            switch (group.Strategy)
            {
                case FailoverStrategy.ActiveActive or FailoverStrategy.LoadBalanced:
                    var pool = new ReplicaPool(group.Name, group.Strategy, endpoints);
                    foreach (var replica in endpoints)
                    {
                        pool.ReportHealth(replica.Name, _manager!.GetState(replica.Name));
                    }

                    _manager!.Transitioned += e =>
                    {
                        if (e.Kind == EventKinds.ComponentState && endpoints.Exists(r => r.Name == e.Subject) && Enum.TryParse<SafetyState>(e.To, out var state))
                        {
                            pool.ReportHealth(e.Subject, state);
                        }
                    };
                    if (group.RequiredHealthy > 0 && _trading is not null)
                    {
                        _ = new CapacityPolicy(pool, _trading.Gate, group.RequiredHealthy, group.BelowCapacity);
                    }

                    pools[group.Name] = pool;
                    break;
                case FailoverStrategy.CircuitBreaker:
                    breakers[group.Name] = new CircuitBreakerFailover(group.Name, endpoints, timeProvider: _time);
                    break;
            }
        }

        _failover!.Pools = pools;
        _failover.Breakers = breakers;
    }

    /// <summary>Reads new events, appends the burn-rate alerts they call for, and reads those back.</summary>
    internal async Task RefreshAvailabilityAsync(CancellationToken cancellationToken = default)
    {
        var store = Events;
        var monitor = Availability;
        foreach (var slo in _pendingSliEvents.Keys)
        {
            if (_pendingSliEvents.TryRemove(slo, out var counts) && counts.Total > 0)
            {
                try
                {
                    await store.AppendAsync(new SafetyEvent
                    {
                        Time = _time.GetUtcNow(),
                        Kind = AvailabilityEventKinds.SliEvents,
                        Subject = slo,
                        Evidence = JsonSerializer.Serialize(new { good = counts.Good, total = counts.Total }, BulwarkJson.Options),
                    }, cancellationToken).ConfigureAwait(false);
                }
                catch
                {
                    // Not written: the counts go back for the next refresh rather than being lost.
                    _pendingSliEvents.AddOrUpdate(slo, counts, (_, sum) => (sum.Good + counts.Good, sum.Total + counts.Total));
                    throw;
                }
            }
        }

        await monitor.CatchUpAsync(store, cancellationToken).ConfigureAwait(false);
        var alerts = monitor.EvaluateAlerts();
        foreach (var alert in alerts)
        {
            await store.AppendAsync(alert, cancellationToken).ConfigureAwait(false);
            AvailabilityLog.Alert(_availabilityLogger, alert.Kind, alert.Subject, alert.Cause!);
        }

        if (alerts.Count > 0)
        {
            await monitor.CatchUpAsync(store, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task AvailabilityLoopAsync(CancellationToken stopping)
    {
        using var timer = new PeriodicTimer(AvailabilityInterval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(stopping).ConfigureAwait(false))
            {
                try
                {
                    await RefreshAvailabilityAsync(stopping).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !stopping.IsCancellationRequested)
                {
                    AvailabilityLog.RefreshFailed(_availabilityLogger, ex);
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
    }

    /// <summary>Stops every check, writes the final status and records the stop.</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.CompareExchange(ref _state, 2, 1) != 1)
        {
            return;
        }

        if (_availabilityStopping is not null)
        {
            await _availabilityStopping.CancelAsync().ConfigureAwait(false);
            await _availabilityLoop!.ConfigureAwait(false);
            _availabilityStopping.Dispose();
        }

        if (_redundancy is not null)
        {
            await _redundancy.DisposeAsync().ConfigureAwait(false);
        }

        if (_failover is not null)
        {
            // Resign before anything else stops, so a successor takes over without waiting for the leases to expire.
            foreach (var elector in _failover.Electors)
            {
                await elector.StopAsync(cancellationToken).ConfigureAwait(false);
            }

            await _failover.FlushAsync(cancellationToken).ConfigureAwait(false);
        }

        if (_recovery is not null)
        {
            await _recovery.StopAsync(cancellationToken).ConfigureAwait(false);
        }

        // Null when the start failed before the manager existed (an unreadable store): nothing ran, nothing to stop.
        if (_manager is not null)
        {
            await _manager.StopAsync(cancellationToken).ConfigureAwait(false);
        }

        // Last: every report and state change up to the stop is durable before StopAsync returns.
        if (_journal is not null)
        {
            // Bounded: a store that does not answer must not hang the stop (the dispose makes one more attempt).
            using var flushing = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            flushing.CancelAfter(JournalFlushTimeout);
            try
            {
                await _journal.FlushAsync(flushing.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                TradingLog.JournalStoreFailed(_loggerFactory.CreateLogger<TradingJournal>(), new TimeoutException("the trading journal did not flush within 10 s of the stop"), _journal.Pending);
            }
        }
    }

    private static readonly TimeSpan JournalFlushTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Stops if running, then releases the store, the HTTP client and the meter.</summary>
    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        if (_trading is not null)
        {
            await _trading.DisposeAsync().ConfigureAwait(false);
        }

        if (_journal is not null)
        {
            await _journal.DisposeAsync().ConfigureAwait(false); // writes what is still queued
        }

        if (_ownedJournalStore is not null)
        {
            await _ownedJournalStore.DisposeAsync().ConfigureAwait(false);
        }

        if (_recovery is not null)
        {
            await _recovery.DisposeAsync().ConfigureAwait(false);
        }

        if (_killSwitchReplication is not null)
        {
            await _killSwitchReplication.DisposeAsync().ConfigureAwait(false);
        }

        if (_failover is not null)
        {
            await _failover.DisposeAsync().ConfigureAwait(false);
        }

        if (_ownedLeases is not null)
        {
            await _ownedLeases.DisposeAsync().ConfigureAwait(false);
        }

        if (_ownedStore is not null)
        {
            await _ownedStore.DisposeAsync().ConfigureAwait(false);
        }

        _http.Dispose();
        _metrics.Dispose();
    }
}
