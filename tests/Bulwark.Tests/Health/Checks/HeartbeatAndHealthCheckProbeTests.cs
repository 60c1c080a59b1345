using Bulwark.Health;
using Bulwark.Health.Checks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Time.Testing;

namespace Bulwark.Tests.Health.Checks;

public sealed class HeartbeatAndHealthCheckProbeTests
{
    [Fact]
    public async Task Heartbeat_NoneYet_Fresh_AtTheLimit_AndStale()
    {
        var time = new FakeTimeProvider();
        var heartbeats = new HeartbeatRegistry(time);
        var probe = new HeartbeatProbe("engine", heartbeats, TimeSpan.FromSeconds(10));

        var none = await probe.ProbeAsync(CancellationToken.None);
        Assert.Equal(CheckStatus.Unhealthy, none.Status);
        Assert.Equal("no heartbeat received yet", none.Description);

        heartbeats.Report("engine");
        time.Advance(TimeSpan.FromSeconds(9));
        Assert.Equal(CheckStatus.Healthy, (await probe.ProbeAsync(CancellationToken.None)).Status);
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(CheckStatus.Healthy, (await probe.ProbeAsync(CancellationToken.None)).Status);
        time.Advance(TimeSpan.FromMilliseconds(1));
        var stale = await probe.ProbeAsync(CancellationToken.None);
        Assert.Equal(CheckStatus.Unhealthy, stale.Status);
        Assert.Contains("stale after 10 s", stale.Description);

        heartbeats.Report("engine");
        Assert.Equal(CheckStatus.Healthy, (await probe.ProbeAsync(CancellationToken.None)).Status);
    }

    [Fact]
    public async Task Heartbeat_DefaultStaleLimit_IsThreeIntervals()
    {
        var time = new FakeTimeProvider();
        var context = new ProbeContext(new HttpClient(), time, new HeartbeatRegistry(time), null);
        var component = new ComponentOptions { Name = "engine" };
        var probe = ProbeFactory.Create(component, new CheckOptions { Type = CheckType.Heartbeat }, context, TimeSpan.FromSeconds(2));
        context.Heartbeats.Report("engine");
        time.Advance(TimeSpan.FromSeconds(6));
        Assert.Equal(CheckStatus.Healthy, (await probe.ProbeAsync(CancellationToken.None)).Status);
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(CheckStatus.Unhealthy, (await probe.ProbeAsync(CancellationToken.None)).Status);
    }

    [Theory]
    [InlineData(HealthStatus.Healthy, CheckStatus.Healthy)]
    [InlineData(HealthStatus.Degraded, CheckStatus.Degraded)]
    [InlineData(HealthStatus.Unhealthy, CheckStatus.Unhealthy)]
    public async Task HealthCheckInstance_StatusMapsAcross(HealthStatus status, CheckStatus expected)
    {
        var check = new CheckOptions { Type = CheckType.HealthCheck, Instance = new FixedCheck(new HealthCheckResult(status, "said so")) };
        var probe = ProbeFactory.Create(new ComponentOptions { Name = "db" }, check, Context(null), TimeSpan.FromSeconds(1));
        var result = await probe.ProbeAsync(CancellationToken.None);
        Assert.Equal(expected, result.Status);
        Assert.Equal("said so", result.Description);
    }

    [Fact]
    public async Task HealthCheckRegistration_IsResolvedFromTheHostsHealthChecks()
    {
        var services = new ServiceCollection();
        services.AddHealthChecks().AddCheck("database", () => HealthCheckResult.Degraded("replica lag 4 s"));
        using var provider = services.BuildServiceProvider();
        var check = new CheckOptions { Type = CheckType.HealthCheck, Registration = "database" };
        var probe = ProbeFactory.Create(new ComponentOptions { Name = "db" }, check, Context(provider), TimeSpan.FromSeconds(1));
        var result = await probe.ProbeAsync(CancellationToken.None);
        Assert.Equal(CheckStatus.Degraded, result.Status);
        Assert.Equal("replica lag 4 s", result.Description);
    }

    private static ProbeContext Context(IServiceProvider? services) =>
        new(new HttpClient(), TimeProvider.System, new HeartbeatRegistry(TimeProvider.System), services);

    private sealed class FixedCheck(HealthCheckResult result) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) => Task.FromResult(result);
    }
}
