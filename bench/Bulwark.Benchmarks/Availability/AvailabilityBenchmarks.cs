using BenchmarkDotNet.Attributes;
using Bulwark.Availability;

namespace Bulwark.Benchmarks.Availability;

/// <summary>
/// 1,000 components with 30 days of flapping history (one transition a minute each: 43.2 million transitions),
/// fed through the monitor's real path (<see cref="AvailabilityMonitor.Apply"/>). Measures availability of one
/// component over a short and a long window, and a full <see cref="AvailabilityMonitor.ValidateAvailabilitySla"/>
/// over every SLO. The memory the history takes is printed by the setup (look for "// Memory:" in the log).
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
[SimpleJob(launchCount: 1, warmupCount: 2, iterationCount: 10)]
public class AvailabilityBenchmarks
{
    public const int Components = 1_000;
    public static readonly TimeSpan History = TimeSpan.FromDays(30);

    private static readonly DateTimeOffset Now = new(2026, 11, 25, 0, 0, 0, TimeSpan.Zero);
    private AvailabilityMonitor _monitor = null!;
    private string _first = null!;

    [GlobalSetup]
    public void Setup()
    {
        var names = Enumerable.Range(0, Components).Select(i => $"component-{i:D4}").ToArray();
        _first = names[0];
        var before = GC.GetTotalMemory(forceFullCollection: true);
        _monitor = new AvailabilityMonitor(
            names.Select(n => new SloDefinition(n, n, 0.999, History)).ToArray(),
            names.ToDictionary(n => n, _ => Criticality.Critical),
            new FixedTimeProvider(Now));

        var start = Now - History;
        long sequence = 0;
        _monitor.Apply(new SafetyEvent { Sequence = ++sequence, Time = start, Kind = EventKinds.Started, Subject = "system" });
        var minutes = (int)History.TotalMinutes;
        for (var minute = 0; minute < minutes; minute++)
        {
            var time = start.AddMinutes(minute);
            var (from, to) = minute % 2 == 0 ? ("Failed", "Healthy") : ("Healthy", "Failed");
            foreach (var name in names)
            {
                _monitor.Apply(new SafetyEvent { Sequence = ++sequence, Time = time, Kind = EventKinds.ComponentState, Subject = name, From = from, To = to });
            }
        }

        var after = GC.GetTotalMemory(forceFullCollection: true);
        Console.WriteLine(
            $"// Memory: {(after - before) / (1024.0 * 1024):0} MiB for {Components:N0} components x {minutes:N0} transitions " +
            $"({(after - before) / (double)(Components * (long)minutes):0.0} B per transition, incidents {_monitor.GetIncidents().Count:N0})");
    }

    [Benchmark]
    public TimeSplit AvailabilityOneComponentLastHour() => _monitor.Measure(_first, Now - TimeSpan.FromHours(1), Now);

    [Benchmark]
    public TimeSplit AvailabilityOneComponent30Days() => _monitor.Measure(_first, Now - History, Now);

    [Benchmark]
    public AvailabilityReport ValidateAvailabilitySlaAllSlos() => _monitor.ValidateAvailabilitySla();

    private sealed class FixedTimeProvider(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
