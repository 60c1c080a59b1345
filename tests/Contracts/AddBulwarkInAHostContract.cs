using Bulwark.Failover;
using Bulwark.Trading;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Bulwark.Tests.Contracts;

/// <summary>
/// <c>AddBulwark</c> in a generic host on a shared coordinator (PostgreSQL, etcd): two hosted replicas configured for
/// that backend take their lease coordinator and kill-switch channel from the container, start, elect one leader, and
/// share the kill switch (engaged on one, seen by the other's gate).
/// </summary>
public abstract class AddBulwarkInAHostContract : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private readonly TempDirectory _dir = new();

    /// <summary><c>postgresql</c> or <c>etcd</c>.</summary>
    protected abstract string Backend { get; }

    /// <summary>The coordinator's connection setting, e.g. <c>("connectionString", "Host=...")</c>.</summary>
    protected abstract (string Key, string Value) Connection { get; }

    /// <summary>A coordinator and a channel on the shared backend, as an application would open them.</summary>
    protected abstract Task<(ILeaseCoordinator Leases, IKillSwitchChannel Channel)> OpenAsync();

    public void Dispose() => _dir.Dispose();

    private async Task<IHost> StartAsync(string replica)
    {
        var (leases, channel) = await OpenAsync();
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["bulwark:dataDirectory"] = Path.Combine(_dir.Path, replica),
            ["bulwark:checkIntervalSeconds"] = "0.2",
            ["bulwark:components:0:name"] = "self",
            ["bulwark:components:0:successThreshold"] = "1",
            ["bulwark:components:0:checks:0:type"] = "command",
            ["bulwark:components:0:checks:0:command"] = "true",
            ["bulwark:trading:enabledChecks:0"] = "maximumOrderQuantity",
            ["bulwark:trading:firm:maximumOrderQuantity"] = "100",
            ["bulwark:trading:accounts:0:name"] = "ACC1",
            ["bulwark:trading:strategies:0:name"] = "momo",
            ["bulwark:trading:instruments:0:symbol"] = "XYZ",
            ["bulwark:trading:instruments:0:tickSize"] = "0.01",
            ["bulwark:failover:replica"] = replica,
            ["bulwark:failover:coordinator:backend"] = Backend,
            ["bulwark:failover:coordinator:" + Connection.Key] = Connection.Value,
            ["bulwark:failover:groups:0:name"] = "engines-" + _dir.Path.GetHashCode(StringComparison.Ordinal).ToString("x8", System.Globalization.CultureInfo.InvariantCulture),
            ["bulwark:failover:groups:0:trading"] = "true",
        });

        // What the issue found missing: the container's coordinator and channel reach the system.
        builder.Services.AddSingleton(leases);
        builder.Services.AddSingleton(channel);
        builder.Services.AddBulwark(builder.Configuration.GetSection("bulwark"));
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }

    [Fact]
    public async Task TwoHostedReplicas_StartOnTheBackend_ElectOneLeader_AndShareTheKillSwitch()
    {
        using var a = await StartAsync("a");
        using var b = await StartAsync("b");
        var systemA = a.Services.GetRequiredService<SafetySystem>();
        var systemB = b.Services.GetRequiredService<SafetySystem>();
        try
        {
            await WaitAsync(() => systemA.Failover!.Electors.Concat(systemB.Failover!.Electors).Count(e => e.IsLeader) == 1, "exactly one leader");

            await systemA.Trading!.KillSwitch.EngageAsync(TradingScope.Firm, "alice", "hosted test");
            await WaitAsync(() => systemB.Trading!.KillSwitch.IsEngaged(TradingScope.Firm), "b's gate sees a's kill switch");

            await systemB.Trading!.KillSwitch.ReleaseAsync(TradingScope.Firm, "bob", "hosted test over");
            await WaitAsync(() => !systemA.Trading.KillSwitch.IsEngaged(TradingScope.Firm), "a sees b's release");
        }
        finally
        {
            await b.StopAsync();
            await a.StopAsync();
            foreach (var host in new[] { a, b })
            {
                await host.Services.GetRequiredService<IKillSwitchChannel>().DisposeAsync();
                await host.Services.GetRequiredService<ILeaseCoordinator>().DisposeAsync();
            }
        }
    }

    private static async Task WaitAsync(Func<bool> condition, string what)
    {
        var started = TimeProvider.System.GetTimestamp();
        while (!condition())
        {
            Assert.True(TimeProvider.System.GetElapsedTime(started) < Deadline, $"timed out waiting for: {what}");
            await Task.Delay(20);
        }
    }
}
