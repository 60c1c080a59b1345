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
        var seconds = (int)Math.Round(window.TotalSeconds);
        var fromPrometheus = (await prometheus.QueryAsync($"avg_over_time(target_up[{seconds}s])", end))!.Value;

        // One scrape interval's worth of the window, plus Bulwark's own check interval (its sampling step).
        var tolerance = (PrometheusServer.ScrapeInterval + CheckInterval) / window;
        Assert.True(Math.Abs(bulwark - fromPrometheus) <= tolerance,
            $"bulwark {bulwark:P2}, prometheus {fromPrometheus:P2}, tolerance {tolerance:P2} over {window.TotalSeconds:0.0} s");
        Assert.InRange(bulwark, 0.6, 0.8); // about 12 s up of 17: the pattern really happened
    }

    public void Dispose() => _dir.Dispose();
}
