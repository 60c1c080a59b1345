using System.Diagnostics.Metrics;
using Bulwark.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Bulwark;

/// <summary>Registers Bulwark in a generic host.</summary>
public static class BulwarkServiceCollectionExtensions
{
    /// <summary>
    /// Adds the safety system, configured from <paramref name="configuration"/> (the shape of
    /// <c>bulwark.yaml</c>), and a hosted service that starts and stops it with the host. Safe to
    /// call twice: the second call changes nothing. Invalid configuration fails the host's start with
    /// every error at once. For a <c>failover.coordinator</c> on PostgreSQL or etcd, register its
    /// <see cref="Failover.ILeaseCoordinator"/> (and, when it shares the kill switch, its <see cref="Trading.IKillSwitchChannel"/>)
    /// as singletons: the system takes them from the container (and does not dispose them).
    /// </summary>
    public static IServiceCollection AddBulwark(this IServiceCollection services, Microsoft.Extensions.Configuration.IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return services.AddBulwark(_ =>
        {
            var (bound, errors) = BulwarkConfiguration.Bind(configuration);
            return errors.Count > 0 ? throw new BulwarkOptionsException(errors) : bound;
        });
    }

    /// <summary>Adds the safety system with options built in code.</summary>
    public static IServiceCollection AddBulwark(this IServiceCollection services, BulwarkOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return services.AddBulwark(_ => options);
    }

    private static IServiceCollection AddBulwark(this IServiceCollection services, Func<IServiceProvider, BulwarkOptions> options)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (services.Any(d => d.ServiceType == typeof(SafetySystem)))
        {
            return services;
        }

        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(provider =>
        {
            var registrations = provider.GetService<IOptions<HealthCheckServiceOptions>>()?.Value.Registrations.Select(r => r.Name).ToArray();
            return SafetySystem.Create(
                options(provider),
                provider.GetRequiredService<TimeProvider>(),
                provider.GetService<ILoggerFactory>(),
                provider.GetService<IEventStore>(),
                provider,
                provider.GetService<IMeterFactory>(),
                registrations ?? [],
                provider.GetService<Failover.ILeaseCoordinator>(),
                provider.GetService<Trading.IKillSwitchChannel>(),
                provider.GetService<Trading.Journal.ITradingJournalStore>());
        });
        services.AddHostedService<BulwarkHostedService>();
        return services;
    }
}

/// <summary>Starts the safety system with the host and stops it with the host.</summary>
internal sealed class BulwarkHostedService(SafetySystem system) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => system.StartAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => system.StopAsync(cancellationToken);
}
