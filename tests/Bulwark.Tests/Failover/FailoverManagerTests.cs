using Bulwark.Availability;
using Bulwark.Failover;
using Bulwark.Storage;
using Microsoft.Extensions.Time.Testing;

namespace Bulwark.Tests.Failover;

public sealed class FailoverManagerTests : IAsyncLifetime, IDisposable
{
    private static readonly LeaderElectorOptions Timing = new()
    {
        Ttl = TimeSpan.FromSeconds(2),
        RenewInterval = TimeSpan.FromMilliseconds(500),
        SafetyMargin = TimeSpan.FromMilliseconds(500),
    };

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 25, 9, 0, 0, TimeSpan.Zero));
    private readonly TempDirectory _dir = new();
    private ILeaseCoordinator _leases = null!;
    private SqliteEventStore _events = null!;

    public async Task InitializeAsync()
    {
        _leases = await SqliteLeaseCoordinator.OpenAsync(_dir.File("leases.db"), _time);
        _events = await SqliteEventStore.OpenAsync(_dir.File("events.db"));
    }

    public async Task DisposeAsync()
    {
        await _leases.DisposeAsync();
        await _events.DisposeAsync();
    }

    private LeaderElector Elector(string name) => new(_leases, "engines", name, Timing, _time);

    [Fact]
    public async Task AFailover_IsRecorded_FromTheOldLeadersLastRenewal_ToTheNewLeaderActive()
    {
        await using var manager = await FailoverManager.StartAsync(_events, timeProvider: _time);
        await using var a = Elector("a");
        await using var b = Elector("b");
        manager.Track(a);
        manager.Track(b);
        Assert.True(await a.StepAsync(CancellationToken.None)); // the group's first term: not a failover
        _time.Advance(TimeSpan.FromMilliseconds(500));
        var lastRenewal = _time.GetUtcNow();
        Assert.True(await a.StepAsync(CancellationToken.None));
        Assert.False(await b.StepAsync(CancellationToken.None));

        _time.Advance(TimeSpan.FromSeconds(2)); // a is gone (never renews again); its lease expires
        Assert.True(await b.StepAsync(CancellationToken.None));

        var record = Assert.Single(manager.Records);
        Assert.Equal(("a", "b", "lease of a expired"), (record.OldLeader, record.NewLeader, record.Cause));
        Assert.Equal(lastRenewal, record.LastSeenAliveAt);
        Assert.Equal(lastRenewal + Timing.Ttl, record.FaultDetectedAt);
        Assert.Equal(_time.GetUtcNow(), record.NewLeaderActiveAt);
        Assert.Equal(TimeSpan.FromSeconds(2), record.RecoveryTime);
        Assert.True(record.TokenAfter > record.TokenBefore);
        Assert.False(record.IsSwitchover);

        var report = manager.ValidateRecoveryTimeSla();
        Assert.Equal((true, 0, 1, 2.0, 2.0, 2.0, 60.0), (report.SlaMet, report.Violations, report.Count, report.P50, report.P99, report.Max, report.MaxRecoveryTimeSeconds));

        // Every gain and loss is in the log, and a restarted manager has the history.
        await manager.FlushAsync();
        var log = await _events.ReadAsync(new EventQuery { KindPrefix = "failover." });
        Assert.Equal([FailoverEventKinds.LeadershipGained, FailoverEventKinds.LeadershipGained], log.Select(e => e.Kind));
        Assert.Equal(["a", "b"], log.Select(e => e.Actor));
        await using var restarted = await FailoverManager.StartAsync(_events, timeProvider: _time);
        Assert.Equal(record, Assert.Single(restarted.Records));
    }

    [Fact]
    public async Task ASwitchover_IsRecordedAsOne_WithNoFault()
    {
        await using var manager = await FailoverManager.StartAsync(_events, timeProvider: _time);
        await using var a = Elector("a");
        await using var b = Elector("b");
        manager.Track(a);
        manager.Track(b);
        Assert.True(await a.StepAsync(CancellationToken.None));
        await _leases.RequestHandoverAsync("engines", "b", TimeSpan.FromSeconds(10));
        Assert.False(await a.StepAsync(CancellationToken.None));
        Assert.True(await b.StepAsync(CancellationToken.None));

        var record = Assert.Single(manager.Records);
        Assert.True(record.IsSwitchover);
        Assert.Null(record.FaultDetectedAt);
        Assert.Equal("switchover from a", record.Cause);
        await manager.FlushAsync();
        var lost = Assert.Single(await _events.ReadAsync(new EventQuery { KindPrefix = FailoverEventKinds.LeadershipLost }));
        Assert.Equal("a", lost.Actor);
        Assert.Contains("refused", lost.Cause, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AFailoverOverTheSla_IsAViolation_AnEvent_AndAnIncident()
    {
        await using var manager = await FailoverManager.StartAsync(_events, TimeSpan.FromSeconds(5), _time);
        await using var a = Elector("a");
        await using var b = Elector("b");
        manager.Track(a);
        manager.Track(b);
        Assert.True(await a.StepAsync(CancellationToken.None));
        _time.Advance(TimeSpan.FromSeconds(30)); // b was down too: nobody took over for 30 s
        Assert.True(await b.StepAsync(CancellationToken.None));

        var report = manager.ValidateRecoveryTimeSla();
        Assert.False(report.SlaMet);
        Assert.Equal(1, report.Violations);
        Assert.Equal(30.0, report.Max);
        Assert.Equal("b", Assert.Single(report.ViolatingFailovers).NewLeader);

        await manager.FlushAsync();
        var violation = Assert.Single(await _events.ReadAsync(new EventQuery { KindPrefix = FailoverEventKinds.RecoverySlaViolated }));
        Assert.Equal("failover:engines", violation.Subject);
        var monitor = new AvailabilityMonitor([], new Dictionary<string, Criticality>(), _time);
        foreach (var e in await _events.ReadAsync(new EventQuery()))
        {
            monitor.Apply(e);
        }

        var incident = Assert.Single(monitor.GetIncidents(openOnly: true));
        Assert.Equal(("failover:engines", "sev1"), (incident.Subject, incident.Severity));
    }

    [Fact]
    public void Report_Percentiles_AreNearestRank_AndViolationsComeSlowestFirst()
    {
        var start = new DateTimeOffset(2026, 11, 25, 0, 0, 0, TimeSpan.Zero);
        var records = Enumerable.Range(1, 100).Select(i => new FailoverRecord
        {
            Group = "g", Cause = "test", OldLeader = "a", NewLeader = "b", TokenBefore = i, TokenAfter = i + 1,
            LastSeenAliveAt = start, FailoverStartedAt = start, NewLeaderActiveAt = start + TimeSpan.FromSeconds(i),
        }).ToList();
        var report = RecoveryTimeReport.From(records, TimeSpan.FromSeconds(60));
        Assert.Equal((false, 40, 100, 50.0, 99.0, 100.0), (report.SlaMet, report.Violations, report.Count, report.P50, report.P99, report.Max));
        Assert.Equal(100, report.ViolatingFailovers[0].RecoveryTime.TotalSeconds);

        var none = RecoveryTimeReport.From([], TimeSpan.FromSeconds(60));
        Assert.Equal((true, 0, (double?)null), (none.SlaMet, none.Count, none.P99));
    }

    public void Dispose() => _dir.Dispose();
}
