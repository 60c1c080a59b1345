using Bulwark.Tests.TestSupport;

namespace Bulwark.Tests.Availability;

/// <summary>
/// Bulwark's availability against a real Prometheus: both watch one endpoint whose up/down pattern the test
/// scripts; Prometheus computes avg_over_time of the scraped gauge, Bulwark measures its state intervals.
/// </summary>
public sealed class PrometheusCrossCheckTests : IDisposable
{
    private static readonly TimeSpan CheckInterval = TimeSpan.FromMilliseconds(200);
    private readonly TempDirectory _dir = new();

    [Fact]
    public async Task Availability_AgreesWithPrometheus_WithinOneScrapeInterval()
    {
        await using var endpoint = await TestWebEndpoint.StartAsync();
        await using var prometheus = await PrometheusServer.StartAsync(endpoint.HostAndPort);

        var options = new BulwarkOptions { DataDirectory = _dir.Path };
        var component = new ComponentOptions { Name = "web", Criticality = Criticality.Critical, FailureThreshold = 1, SuccessThreshold = 1 };
        component.Checks.Add(new CheckOptions { Type = CheckType.Http, Url = endpoint.HealthUrl.ToString(), IntervalSeconds = CheckInterval.TotalSeconds, TimeoutSeconds = 1 });
        options.Components.Add(component);
        await using var system = SafetySystem.Create(options);
        await system.StartAsync();

        // Both have seen it up.
        var deadline = TimeSpan.FromSeconds(30);
        await Eventually.WaitUntilAsync(() => system.Manager.GetState("web") == SafetyState.Healthy, deadline, "bulwark sees it up");
        await Eventually.WaitUntilAsync(async () => await prometheus.QueryAsync("target_up", TimeProvider.System.GetUtcNow()) == 1, deadline, "prometheus scraped it up");

        // The scripted pattern, in real time because a real Prometheus scrapes it: up 6 s, down 5 s, up 6 s.
        // These delays are the scenario itself, not a wait for something to happen.
        var start = TimeProvider.System.GetUtcNow();
        await Task.Delay(TimeSpan.FromSeconds(6));
        endpoint.Mode = EndpointMode.Fail;
        await Task.Delay(TimeSpan.FromSeconds(5));
        endpoint.Mode = EndpointMode.Ok;
        await Task.Delay(TimeSpan.FromSeconds(6));
        var end = TimeProvider.System.GetUtcNow();

        await system.RefreshAvailabilityAsync();
        var bulwark = system.Availability.Measure("web", start, end).Availability!.Value;
        var window = end - start;

        // Prometheus's view, time-weighted from the samples it really stored: each holds until the next one.
        // avg_over_time would count samples, so one scrape lost to a loaded machine (a timeout is no sample)
        // would shift it by a whole interval; the largest gap between stored samples is the resolution
        // Prometheus really had, and goes into the tolerance instead of a nominal scrape interval.
        var samples = await prometheus.SamplesAsync("target_up", window + TimeSpan.FromSeconds(10), end);
        var (fromPrometheus, largestGap) = TimeWeighted(samples, start, end);

        // One sampling step of each side: Prometheus's largest gap, plus Bulwark's own check interval.
        var tolerance = (largestGap + CheckInterval) / window;
        Assert.True(Math.Abs(bulwark - fromPrometheus) <= tolerance,
            $"bulwark {bulwark:P2}, prometheus {fromPrometheus:P2}, tolerance {tolerance:P2} over {window.TotalSeconds:0.0} s, largest gap between samples {largestGap.TotalSeconds:0.0} s");
        Assert.InRange(bulwark, 0.6, 0.8); // about 12 s up of 17: the pattern really happened
        Assert.InRange(fromPrometheus, 0.6, 0.8);
        // Prometheus really sampled the window: a gap of more than a quarter of it would make any agreement luck.
        Assert.True(largestGap < window / 4, $"prometheus stored no sample for {largestGap.TotalSeconds:0.0} s");
    }

    /// <summary>
    /// The fraction of [start, end] for which the last sample at or before each instant was 1, and the largest
    /// span inside the window without a new sample.
    /// </summary>
    private static (double Availability, TimeSpan LargestGap) TimeWeighted(
        IReadOnlyList<(DateTimeOffset At, double Value)> samples, DateTimeOffset start, DateTimeOffset end)
    {
        var first = samples.Count - 1;
        while (first > 0 && samples[first].At > start)
        {
            first--;
        }

        Assert.True(samples.Count > 0 && samples[first].At <= start, "prometheus has no sample from before the window");
        var up = TimeSpan.Zero;
        var largestGap = TimeSpan.Zero;
        for (var i = first; i < samples.Count && samples[i].At < end; i++)
        {
            var from = samples[i].At < start ? start : samples[i].At;
            var to = i + 1 < samples.Count && samples[i + 1].At < end ? samples[i + 1].At : end;
            if (samples[i].Value == 1)
            {
                up += to - from;
            }

            largestGap = TimeSpan.FromTicks(Math.Max(largestGap.Ticks, (to - from).Ticks));
        }

        return (up / (end - start), largestGap);
    }

    public void Dispose() => _dir.Dispose();
}
