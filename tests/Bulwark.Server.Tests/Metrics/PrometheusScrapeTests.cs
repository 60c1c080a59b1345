using Bulwark.Tests.TestSupport;

namespace Bulwark.Server.Tests.Metrics;

/// <summary>A real Prometheus (the Debian package) scrapes /metrics and returns a Bulwark metric through its query API.</summary>
public sealed class PrometheusScrapeTests
{
    [Fact]
    public async Task Prometheus_ScrapesMetrics_AndAnswersABulwarkSeries()
    {
        await using var harness = await ServerHarness.StartAsync();
        var target = new Uri(harness.Server.Addresses[0]).Authority;

        var text = await harness.Client.GetStringAsync("/metrics");
        Assert.Contains("bulwark_check_duration_seconds", text, StringComparison.Ordinal);
        Assert.Contains("le=\"0.005\"", text, StringComparison.Ordinal); // buckets in seconds, not the exporter's millisecond defaults

        await using var prometheus = await PrometheusServer.StartAsync(target);
        double? checks = null;
        await Eventually.WaitUntilAsync(
            async () => (checks = await prometheus.QueryAsync("sum(bulwark_check_duration_seconds_count)", TimeProvider.System.GetUtcNow())) is > 0,
            TimeSpan.FromSeconds(60), "prometheus answers bulwark_check_duration_seconds_count");

        Assert.True(checks > 0, $"checks counted: {checks}");
        Assert.Equal(1, await prometheus.QueryAsync("up{job=\"target\"}", TimeProvider.System.GetUtcNow()));
    }
}
