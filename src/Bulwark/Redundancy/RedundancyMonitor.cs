using System.Globalization;
using System.Text.Json;
using Bulwark.Failover;
using Bulwark.Health;
using Bulwark.Storage;
using Bulwark.Trading;
using Microsoft.Extensions.Logging;

namespace Bulwark.Redundancy;

/// <summary>
/// Redundancy evaluated continuously in the running system: every interval (and on demand) from the SafetyManager's
/// component states, the pid files and the coordinator's leases. A level that drops or returns is an event; a service
/// below N+1 is an event that opens an incident (resolved when it is back); below N the risk gate's redundancy source
/// moves trading to the service's <c>belowCapacity</c> state (like <c>CapacityPolicy</c>), and back when it returns.
/// </summary>
internal sealed class RedundancyMonitor : IAsyncDisposable
{
    private readonly RedundancyValidator _validator;
    private readonly SafetyManager _manager;
    private readonly IEventStore _store;
    private readonly ILeaseCoordinator? _leases;
    private readonly RiskGate? _gate;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly TimeSpan _interval;
    private readonly DateTimeOffset _startedAt;
    private readonly Dictionary<string, int> _levels = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _serial = new(1, 1);
    private readonly CancellationTokenSource _stopping = new();
    private IReadOnlyDictionary<string, string> _leaders = new Dictionary<string, string>();
    private RedundancyReport? _latest;
    private Task? _loop;

    public RedundancyMonitor(RedundancyValidator validator, RedundancyOptions options, SafetyManager manager, IEventStore store, ILeaseCoordinator? leases, RiskGate? gate, TimeProvider time, ILogger logger)
    {
        _validator = validator;
        _manager = manager;
        _store = store;
        _leases = leases;
        _gate = gate;
        _time = time;
        _logger = logger;
        _interval = TimeSpan.FromSeconds(options.IntervalSeconds);
        _startedAt = time.GetUtcNow();
    }

    /// <summary>The latest evaluation; null before the first.</summary>
    public RedundancyReport? Latest => Volatile.Read(ref _latest);

    /// <summary>Evaluates now from the last leases read (no I/O): the library's <c>ValidateRedundancy()</c>.</summary>
    public RedundancyReport EvaluateNow()
    {
        var components = _manager.GetStatus().Components.ToDictionary(c => c.Name, StringComparer.Ordinal); // one snapshot per evaluation
        return _validator.Evaluate(name => components.GetValueOrDefault(name), Volatile.Read(ref _leaders), _time.GetUtcNow());
    }

    public void Start() => _loop = Task.Run(() => LoopAsync(_stopping.Token), CancellationToken.None);

    /// <summary>Reads the leases, evaluates, and writes the events and trading moves the change calls for.</summary>
    public async Task<RedundancyReport> RefreshAsync(CancellationToken cancellationToken)
    {
        await _serial.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            Volatile.Write(ref _leaders, await _validator.ReadLeadersAsync(_leases, _time.GetUtcNow(), cancellationToken).ConfigureAwait(false));
            var report = EvaluateNow();
            Volatile.Write(ref _latest, report);

            // Until every component has evidence (or the stale window has passed), Unknown is the start, not a loss.
            var settling = _time.GetUtcNow() - _startedAt < _validator.StaleAfter &&
                _validator.Services.SelectMany(s => s.Replicas).Any(r => r.Component is { } c && _manager.GetState(c) == SafetyState.Unknown);
            if (!settling)
            {
                await RecordAsync(report, cancellationToken).ConfigureAwait(false);
                ApplyTradingPolicy(report);
            }

            return report;
        }
        finally
        {
            _serial.Release();
        }
    }

    private async Task RecordAsync(RedundancyReport report, CancellationToken cancellationToken)
    {
        foreach (var service in report.Services)
        {
            var had = _levels.TryGetValue(service.Name, out var before);
            _levels[service.Name] = service.Level;
            if (had && before == service.Level)
            {
                continue;
            }

            var down = service.Replicas.Where(r => !r.Healthy).Select(r => $"{r.Name} ({r.Evidence})").ToList();
            var cause = string.Create(CultureInfo.InvariantCulture, $"{service.Healthy} of {service.Total} replicas healthy, N={service.Capacity}, k={service.Required}") +
                (down.Count > 0 ? "; not counted: " + string.Join(", ", down) : "");
            var kind = !had ? RedundancyEventKinds.LevelObserved : service.Level < before ? RedundancyEventKinds.LevelDropped : RedundancyEventKinds.LevelReturned;
            await AppendAsync(kind, service, had ? Level(before) : null, cause, cancellationToken).ConfigureAwait(false);
            RedundancyLog.LevelChanged(_logger, service.Name, had ? Level(before) : "unknown", Level(service.Level), cause);

            if (service.Level < 1 && (!had || before >= 1))
            {
                await AppendAsync(RedundancyEventKinds.BelowSpare, service, had ? Level(before) : null,
                    $"below N+1: no spare replica left ({cause})", cancellationToken).ConfigureAwait(false);
            }
            else if (service.Level >= 1 && had && before < 1)
            {
                await AppendAsync(RedundancyEventKinds.SpareRestored, service, Level(before), $"N+{service.Level.ToString(CultureInfo.InvariantCulture)} again ({cause})", cancellationToken)
                    .ConfigureAwait(false);
            }
        }
    }

    private Task AppendAsync(string kind, ServiceRedundancy service, string? from, string cause, CancellationToken cancellationToken) =>
        _store.AppendAsync(new SafetyEvent
        {
            Time = _time.GetUtcNow(),
            Kind = kind,
            Subject = RedundancyEventKinds.Subject(service.Name),
            Actor = "bulwark",
            From = from,
            To = Level(service.Level),
            Cause = cause,
            Evidence = JsonSerializer.Serialize(new { service.Healthy, service.Total, service.Capacity, service.Required, service.Level }, BulwarkJson.Options),
        }, cancellationToken).AsTask();

    /// <summary>Below N on a service trading depends on: its belowCapacity state (the worst of them); else nothing from this source.</summary>
    private void ApplyTradingPolicy(RedundancyReport report)
    {
        if (_gate is null)
        {
            return;
        }

        var trading = RedundancyEvaluator.TradingDependencies(_validator.Services);
        var below = report.Services.Where(s => s.Level < 0 && trading.Contains(s.Name)).ToList();
        var state = below.Count == 0 ? TradingState.Active
            : below.Any(s => _validator.Services.First(t => t.Name == s.Name).BelowCapacity == TradingState.Halted) ? TradingState.Halted : TradingState.Reducing;
        var why = below.Count == 0
            ? "every service trading depends on has N healthy replicas"
            : string.Join("; ", below.Select(s => string.Create(CultureInfo.InvariantCulture, $"{s.Name}: {s.Healthy} of {s.Total} healthy, N={s.Capacity}")));
        lock (_gate.Sync)
        {
            _gate.SetSource(0, RiskGate.RedundancySource, state == TradingState.Active ? 0 : RiskGate.StateBits(state), "redundancy", why);
        }
    }

    /// <summary>A level as people write it: N+2, N+0, N-1.</summary>
    internal static string Level(int level) => level >= 0 ? "N+" + level.ToString(CultureInfo.InvariantCulture) : "N" + level.ToString(CultureInfo.InvariantCulture);

    private async Task LoopAsync(CancellationToken stopping)
    {
        using var timer = new PeriodicTimer(_interval, _time);
        try
        {
            do
            {
                try
                {
                    using var run = CancellationTokenSource.CreateLinkedTokenSource(stopping);
                    run.CancelAfter(_interval * 4);
                    await RefreshAsync(run.Token).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !stopping.IsCancellationRequested)
                {
                    RedundancyLog.EvaluationFailed(_logger, ex);
                }
            }
            while (await timer.WaitForNextTickAsync(stopping).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_loop is not null)
        {
            await _loop.ConfigureAwait(false);
        }

        _stopping.Dispose();
        _serial.Dispose();
    }
}

/// <summary>Redundancy log messages; event ids 700–719.</summary>
internal static partial class RedundancyLog
{
    [LoggerMessage(EventId = 700, Level = LogLevel.Warning, Message = "Redundancy of {Service}: {From} -> {To} ({Cause})")]
    public static partial void LevelChanged(ILogger logger, string service, string from, string to, string cause);

    [LoggerMessage(EventId = 701, Level = LogLevel.Error, Message = "Redundancy could not be evaluated or recorded")]
    public static partial void EvaluationFailed(ILogger logger, Exception exception);
}
