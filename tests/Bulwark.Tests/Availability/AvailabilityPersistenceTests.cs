using System.Text.Json;
using Bulwark.Storage;
using Bulwark.Tests.TestSupport;

namespace Bulwark.Tests.Availability;

/// <summary>The monitor rebuilt from the SQLite log: a restart keeps the history, the incidents and the numbers.</summary>
public sealed class AvailabilityPersistenceTests : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private readonly TempDirectory _dir = new();

    private BulwarkOptions Options(int port) => TestSystems.GatewayOverTcp(_dir.Path, port, failureThreshold: 1);

    [Fact]
    public async Task Restart_KeepsIncidentsAndAvailability()
    {
        var (listener, port) = TestSystems.Listen();
        string incidentId;
        TimeSpan badBefore;
        await using (var first = SafetySystem.Create(Options(port)))
        {
            await first.StartAsync();
            await Eventually.WaitUntilAsync(() => first.Manager.GetState("gateway") == SafetyState.Healthy, Deadline, "healthy");
            listener.Stop();
            await Eventually.WaitUntilAsync(() => first.Manager.GetState("gateway") == SafetyState.Failed, Deadline, "failed");
            await first.RefreshAvailabilityAsync();
            var incident = Assert.Single(first.Availability.GetIncidents(openOnly: true), i => i.Subject == "gateway");
            incidentId = incident.Id;
            Assert.Equal("sev1", incident.Severity);
            badBefore = first.ValidateAvailabilitySla().Slos.Single(s => s.Name == "gateway").BudgetConsumed;
            Assert.True(badBefore > TimeSpan.Zero);
        }

        await using var second = SafetySystem.Create(Options(port));
        await second.StartAsync();
        var again = Assert.Single(second.Availability.GetIncidents(), i => i.Subject == "gateway");
        Assert.Equal(incidentId, again.Id);

        // The bad time recorded before the restart is still counted; the time since the stop is unknown.
        var slo = second.ValidateAvailabilitySla().Slos.Single(s => s.Name == "gateway");
        Assert.True(slo.BudgetConsumed >= badBefore, $"{slo.BudgetConsumed} < {badBefore}");
        Assert.True(slo.CurrentAvailability < 1);
    }

    [Fact]
    public async Task UncleanStop_IsRecordedAtTheNextStart_AsTheLastReportTime()
    {
        var database = Path.Combine(_dir.Path, BulwarkDefaults.DatabaseFileName);
        var lastReport = new DateTimeOffset(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);
        await using (var store = await SqliteEventStore.OpenAsync(database))
        {
            // A run that started and reported, then was killed: no stop event.
            await store.AppendAsync(new SafetyEvent { Time = lastReport.AddHours(-1), Kind = EventKinds.Started, Subject = "system" });
            await store.WriteStatusAsync(new StatusReport { UpdatedAt = lastReport, System = SafetyState.Healthy, Components = [] });
        }

        await using var system = SafetySystem.Create(Options(1));
        await system.StartAsync();
        var started = (await system.Events.ReadAsync(new EventQuery { KindPrefix = EventKinds.Started })).Last();
        using var evidence = JsonDocument.Parse(started.Evidence!);
        Assert.Equal(lastReport, evidence.RootElement.GetProperty("previousReportAt").GetDateTimeOffset());
        Assert.Contains("stopped without recording it", started.Cause);
    }

    [Fact]
    public async Task RecordEvents_AreWrittenOncePerRefresh_AndSurviveARestart()
    {
        var options = Options(1);
        options.Availability.Slos.Add(new SloOptions { Name = "order-acks", Sli = SliKind.Events });
        await using (var first = SafetySystem.Create(options))
        {
            await first.StartAsync();
            Assert.Throws<ArgumentException>(() => first.RecordEvents("order-akcs", 1, 1));
            Assert.Throws<ArgumentOutOfRangeException>(() => first.RecordEvents("order-acks", 5, 4));
            first.RecordEvents("order-acks", 995, 1_000);
            first.RecordEvents("order-acks", 1_000, 1_000);
            await first.RefreshAvailabilityAsync();
            Assert.Single(await first.Events.ReadAsync(new EventQuery { KindPrefix = Bulwark.Availability.AvailabilityEventKinds.SliEvents }));
        }

        await using var second = SafetySystem.Create(options);
        await second.StartAsync();
        var slo = second.ValidateAvailabilitySla().Slos.Single(s => s.Name == "order-acks");
        Assert.Equal(2_000, slo.TotalEvents);
        Assert.Equal(5, slo.BadEvents);
    }

    public void Dispose() => _dir.Dispose();
}
