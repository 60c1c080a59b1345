using System.Diagnostics.Metrics;
using Bulwark.Tests.TestSupport;
using Microsoft.Extensions.Time.Testing;

namespace Bulwark.Tests.Diagnostics;

public sealed class BulwarkMetricsTests
{
    [Fact]
    public async Task StatesTransitionsAndCheckDurations_AreMeasured()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 9, 0, 0, TimeSpan.Zero));
        var options = ManagerHarness.Options(failureThreshold: 1, successThreshold: 1, ("web", Criticality.Critical, ["http"]));
        await using var h = new ManagerHarness(options, new InMemoryEventStore(), time);

        var gauges = new Dictionary<string, int>();
        var transitions = new List<(string Subject, string To)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter == h.Meter)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) =>
        {
            var component = tags.ToArray().FirstOrDefault(t => t.Key == "component").Value as string;
            gauges[$"{instrument.Name}:{component}"] = value;
        });
        listener.SetMeasurementEventCallback<long>((instrument, _, tags, _) =>
        {
            var t = tags.ToArray();
            transitions.Add(((string)t.Single(x => x.Key == "subject").Value!, (string)t.Single(x => x.Key == "to").Value!));
        });
        listener.Start();

        listener.RecordObservableInstruments();
        Assert.Equal((int)SafetyState.Unknown, gauges["bulwark.component.state:web"]);

        await h.ApplyAsync("web", "http", CheckStatus.Unhealthy);
        listener.RecordObservableInstruments();
        Assert.Equal((int)SafetyState.Failed, gauges["bulwark.component.state:web"]);
        Assert.Equal((int)SafetyState.Failed, gauges["bulwark.system.state:"]);
        Assert.Equal([("web", "Failed"), ("system", "Failed")], transitions);
    }

    [Fact]
    public async Task CheckDuration_IsRecordedPerRun()
    {
        var options = ManagerHarness.Options(failureThreshold: 1, successThreshold: 1, ("web", Criticality.Critical, ["http"]));
        await using var h = new ManagerHarness(options, new InMemoryEventStore(), TimeProvider.System);
        var durations = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter == h.Meter && instrument.Name == "bulwark.check.duration")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<double>((_, value, tags, _) =>
        {
            Assert.True(value >= 0);
            Assert.Contains(tags.ToArray(), t => t.Key == "check" && (string?)t.Value == "http");
            Interlocked.Increment(ref durations);
        });
        listener.Start();

        await h.Manager.StartAsync(CancellationToken.None);
        await Eventually.WaitUntilAsync(() => Volatile.Read(ref durations) >= 3, TimeSpan.FromSeconds(20), "three durations");
    }
}
