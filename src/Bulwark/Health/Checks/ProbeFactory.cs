using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Bulwark.Health.Checks;

/// <summary>Builds the probe for a validated check.</summary>
internal static class ProbeFactory
{
    public static IHealthProbe Create(ComponentOptions component, CheckOptions check, ProbeContext context, TimeSpan interval) => check.Type switch
    {
        CheckType.Http => new HttpProbe(context.Http, check),
        CheckType.Tcp => new TcpProbe(check.Host!, check.Port!.Value),
        CheckType.Process => new ProcessProbe(check.PidFile, check.ProcessName),
        CheckType.Heartbeat => new HeartbeatProbe(
            component.Name,
            context.Heartbeats,
            check.StaleAfterSeconds is { } stale ? TimeSpan.FromSeconds(stale) : interval * BulwarkDefaults.HeartbeatStaleIntervals),
        CheckType.Command => new CommandProbe(check.Command!, check.Args.ToArray()),
        CheckType.HealthCheck => HealthCheck(component, check, context),
        _ => throw new InvalidOperationException($"component '{component.Name}', check '{check.EffectiveName}': unknown type {check.Type}"),
    };

    private static HealthCheckProbe HealthCheck(ComponentOptions component, CheckOptions check, ProbeContext context)
    {
        if (check.Instance is { } instance)
        {
            return new HealthCheckProbe(instance, new HealthCheckRegistration(check.EffectiveName, instance, failureStatus: null, tags: null));
        }

        var registrations = context.Services?.GetService<IOptions<HealthCheckServiceOptions>>()?.Value.Registrations;
        var registration = registrations?.FirstOrDefault(r => r.Name == check.Registration)
            ?? throw new InvalidOperationException(
                $"component '{component.Name}', check '{check.EffectiveName}': no health check registered as '{check.Registration}' (AddHealthChecks().AddCheck(\"{check.Registration}\", ...))");
        return new HealthCheckProbe(registration.Factory(context.Services!), registration);
    }
}
