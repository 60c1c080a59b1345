using Bulwark.Tests.TestSupport;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Bulwark.Tests.Hosting;

public sealed class AddBulwarkTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    private IConfiguration Configuration(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder()
            .AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))
                .Append(new KeyValuePair<string, string?>("dataDirectory", _dir.Path)))
            .Build();

    [Fact]
    public void AddBulwark_Twice_RegistersOneSystemAndOneHostedService()
    {
        var services = new ServiceCollection();
        var configuration = Configuration(("components:0:name", "web"), ("components:0:checks:0:type", "tcp"),
            ("components:0:checks:0:host", "127.0.0.1"), ("components:0:checks:0:port", "1"));
        services.AddBulwark(configuration);
        services.AddBulwark(configuration);

        Assert.Single(services, d => d.ServiceType == typeof(SafetySystem));
        Assert.Single(services, d => d.ServiceType == typeof(IHostedService));
    }

    [Fact]
    public async Task AddBulwark_FromASectionOfTheHostsConfiguration_RunsTheSystem()
    {
        var (listener, port) = TestSystems.Listen();
        try
        {
            var builder = Host.CreateApplicationBuilder();
            builder.Logging.ClearProviders();
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["bulwark:dataDirectory"] = _dir.Path,
                ["bulwark:checkIntervalSeconds"] = "0.05",
                ["bulwark:components:0:name"] = "gateway",
                ["bulwark:components:0:criticality"] = "critical",
                ["bulwark:components:0:successThreshold"] = "1",
                ["bulwark:components:0:checks:0:type"] = "tcp",
                ["bulwark:components:0:checks:0:host"] = "127.0.0.1",
                ["bulwark:components:0:checks:0:port"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            });
            builder.Services.AddBulwark(builder.Configuration.GetSection("bulwark"));
            using var host = builder.Build();
            await host.StartAsync();
            var system = host.Services.GetRequiredService<SafetySystem>();
            await Eventually.WaitUntilAsync(() => system.Manager.GetState("gateway") == SafetyState.Healthy, TimeSpan.FromSeconds(30), "gateway healthy");
            await host.StopAsync();
        }
        finally
        {
            listener.Stop();
        }
    }

    [Fact]
    public async Task AddBulwark_InvalidConfiguration_FailsTheHostStartWithEveryError()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders(); // the host logs the failure this test expects
        builder.Services.AddBulwark(Configuration(
            ("checkIntervalSeconds", "0"),
            ("components:0:name", "web"),
            ("components:0:checks:0:type", "http"),
            ("components:0:checks:0:url", "not a url")));
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<BulwarkOptionsException>(() => host.StartAsync());
        Assert.Contains(error.Errors, e => e.Path == "checkIntervalSeconds");
        Assert.Contains(error.Errors, e => e.Path == "components[0].checks[0].url");
    }

    [Fact]
    public async Task AddBulwark_HealthCheckRegistrationThatDoesNotExist_IsRejectedAtStart()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders(); // the host logs the failure this test expects
        builder.Services.AddHealthChecks().AddCheck("database", () => HealthCheckResult.Healthy());
        builder.Services.AddBulwark(Configuration(
            ("components:0:name", "db"),
            ("components:0:checks:0:type", "healthCheck"),
            ("components:0:checks:0:registration", "databse")));
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<BulwarkOptionsException>(() => host.StartAsync());
        var registration = Assert.Single(error.Errors);
        Assert.Equal("components[0].checks[0].registration", registration.Path);
        Assert.Contains("databse", registration.Message);
    }

    public void Dispose() => _dir.Dispose();
}
