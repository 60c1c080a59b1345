using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Bulwark.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bulwark.Failover;

/// <summary>
/// The failovers of this replica's groups: every gain and loss of leadership is an event in the log, every term
/// that followed a known one is a <see cref="FailoverRecord"/>, and <see cref="ValidateRecoveryTimeSla"/> judges them
/// against the recovery-time SLA (60 s unless configured). A failover over the SLA is an event that opens an incident.
/// Records are rebuilt from the log on start, so with a shared log (PostgreSQL) every replica sees the installation's.
/// </summary>
public sealed class FailoverManager : IAsyncDisposable
{
    private readonly IEventStore _store;
    private readonly TimeSpan _maxRecoveryTime;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _sync = new();
    private readonly List<FailoverRecord> _records = [];
    private readonly List<LeaderElector> _electors = [];
    private readonly Channel<Pending> _pending = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _writer;

    private FailoverManager(IEventStore store, TimeSpan maxRecoveryTime, TimeProvider time, ILogger logger)
    {
        _store = store;
        _maxRecoveryTime = maxRecoveryTime;
        _time = time;
        _logger = logger;
        _writer = Task.Run(WriteAsync);
    }

    /// <summary>Creates the manager and loads the failovers already in <paramref name="store"/>.</summary>
    public static async Task<FailoverManager> StartAsync(
        IEventStore store, TimeSpan? maxRecoveryTime = null, TimeProvider? timeProvider = null, ILogger<FailoverManager>? logger = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        var max = maxRecoveryTime ?? TimeSpan.FromSeconds(60);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(max, TimeSpan.Zero, nameof(maxRecoveryTime));
        var records = await ReadRecordsAsync(store, cancellationToken).ConfigureAwait(false);
        var manager = new FailoverManager(store, max, timeProvider ?? TimeProvider.System, (ILogger?)logger ?? NullLogger.Instance);
        manager._records.AddRange(records);
        return manager;
    }

    /// <summary>Every failover recorded in <paramref name="store"/>, oldest first (for tools that read the log).</summary>
    public static async Task<IReadOnlyList<FailoverRecord>> ReadRecordsAsync(IEventStore store, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        var events = await store.ReadAsync(new EventQuery { KindPrefix = FailoverEventKinds.LeadershipGained, Limit = int.MaxValue, FromOldest = true }, cancellationToken)
            .ConfigureAwait(false);
        var records = new List<FailoverRecord>();
        foreach (var e in events)
        {
            if (e.Kind == FailoverEventKinds.LeadershipGained && e.Evidence is { Length: > 0 } evidence &&
                TryParse(evidence) is { } record)
            {
                records.Add(record);
            }
        }

        return records;
    }

    /// <summary>The failovers recorded so far (loaded and new), oldest first.</summary>
    public IReadOnlyList<FailoverRecord> Records
    {
        get
        {
            lock (_sync)
            {
                return [.. _records];
            }
        }
    }

    /// <summary>The groups this replica competes in.</summary>
    public IReadOnlyList<LeaderElector> Electors
    {
        get
        {
            lock (_sync)
            {
                return [.. _electors];
            }
        }
    }

    /// <summary>Active-active and load-balanced groups: the replica to use next (<see cref="Routing.ReplicaPool.TrySelect"/>), fed with component health.</summary>
    public IReadOnlyDictionary<string, Routing.ReplicaPool> Pools { get; internal set; } = new Dictionary<string, Routing.ReplicaPool>();

    /// <summary>Circuit-breaker groups: calls go to the first endpoint whose breaker is closed.</summary>
    public IReadOnlyDictionary<string, Routing.CircuitBreakerFailover> Breakers { get; internal set; } = new Dictionary<string, Routing.CircuitBreakerFailover>();

    /// <summary>The recovery-time SLA over every failover recorded (the record's <c>validate_recovery_time_sla</c>).</summary>
    public RecoveryTimeReport ValidateRecoveryTimeSla() => RecoveryTimeReport.From(Records, _maxRecoveryTime);

    /// <summary>Records every gain and loss of <paramref name="elector"/>'s leadership from now on.</summary>
    public void Track(LeaderElector elector)
    {
        ArgumentNullException.ThrowIfNull(elector);
        lock (_sync)
        {
            _electors.Add(elector);
        }

        elector.Changed += change => OnChanged(elector, change);
    }

    /// <summary>Waits until every event raised so far is in the log.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_pending.Writer.TryWrite(new Pending(null, done)))
        {
            return; // disposed: everything was written
        }

        await done.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        _pending.Writer.TryComplete();
        await _writer.ConfigureAwait(false);
    }

    /// <summary>An event to write, or a flush to answer once everything before it is written.</summary>
    private readonly record struct Pending(SafetyEvent? Event, TaskCompletionSource? Flushed);

    private void Write(SafetyEvent e) => _pending.Writer.TryWrite(new Pending(e, null));

    private void OnChanged(LeaderElector elector, LeadershipChange change)
    {
        var at = change.At == default ? _time.GetUtcNow() : change.At;
        if (!change.IsLeader)
        {
            Write(new SafetyEvent
            {
                Time = at,
                Kind = FailoverEventKinds.LeadershipLost,
                Subject = elector.Group,
                Actor = elector.Holder,
                Cause = change.Reason,
                From = "leader",
                To = "follower",
                Evidence = JsonSerializer.Serialize(new { token = change.Token?.Value }, BulwarkJson.Options),
            });
            return;
        }

        FailoverRecord? record = null;
        if (change.Lease is { Previous: { } previous } lease)
        {
            record = new FailoverRecord
            {
                Group = elector.Group,
                Cause = lease.ByHandover ? $"switchover from {previous.Holder}"
                    : previous.Released ? $"{previous.Holder} resigned"
                    : $"lease of {previous.Holder} expired",
                OldLeader = previous.Holder,
                NewLeader = elector.Holder,
                TokenBefore = previous.Token.Value,
                TokenAfter = lease.Token.Value,
                LastSeenAliveAt = previous.LastRenewedAt,
                FaultDetectedAt = lease.ByHandover || previous.Released ? null : Min(previous.LastRenewedAt + elector.Options.Ttl, change.RequestedAt ?? at),
                FailoverStartedAt = change.RequestedAt ?? at,
                NewLeaderActiveAt = at,
                IsSwitchover = lease.ByHandover,
            };
            lock (_sync)
            {
                _records.Add(record);
            }
        }

        Write(new SafetyEvent
        {
            Time = at,
            Kind = FailoverEventKinds.LeadershipGained,
            Subject = elector.Group,
            Actor = elector.Holder,
            Cause = change.Reason,
            From = "follower",
            To = "leader",
            Evidence = record is null
                ? JsonSerializer.Serialize(new { tokenAfter = change.Token?.Value }, BulwarkJson.Options)
                : JsonSerializer.Serialize(record, BulwarkJson.Options),
        });

        if (record is not null && record.RecoveryTime > _maxRecoveryTime && record.LastSeenAliveAt != DateTimeOffset.MinValue)
        {
            Write(new SafetyEvent
            {
                Time = at,
                Kind = FailoverEventKinds.RecoverySlaViolated,
                Subject = "failover:" + elector.Group,
                Actor = elector.Holder,
                Cause = string.Create(System.Globalization.CultureInfo.InvariantCulture,
                    $"recovery took {record.RecoveryTime.TotalSeconds:F1} s, over the {_maxRecoveryTime.TotalSeconds:F0} s SLA ({record.Cause})"),
                Evidence = JsonSerializer.Serialize(record, BulwarkJson.Options),
            });
        }
    }

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    private async Task WriteAsync()
    {
        await foreach (var (e, flushed) in _pending.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            if (e is null)
            {
                flushed?.TrySetResult();
                continue;
            }

            try
            {
                await _store.AppendAsync(e, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // The record stays in memory; the log misses it. Leadership itself never waits on the log.
                FailoverLog.EventNotWritten(_logger, e.Kind, e.Subject, ex);
            }
        }
    }

    private static FailoverRecord? TryParse(string evidence)
    {
        try
        {
            return JsonSerializer.Deserialize<FailoverRecord>(evidence, BulwarkJson.Options);
        }
        catch (JsonException)
        {
            return null; // a gain with no previous term ({"tokenAfter":N}) is not a failover
        }
    }
}

/// <summary>Failover log messages; event ids 400–419.</summary>
internal static partial class FailoverLog
{
    [LoggerMessage(EventId = 400, Level = LogLevel.Error, Message = "Failover event {Kind} for {Subject} could not be written to the event log")]
    public static partial void EventNotWritten(ILogger logger, string kind, string subject, Exception exception);
}
