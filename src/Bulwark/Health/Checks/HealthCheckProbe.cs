using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Bulwark.Health.Checks;

/// <summary>Runs any <see cref="IHealthCheck"/>: Healthy passes, Degraded passes with a warning, Unhealthy fails.</summary>
internal sealed class HealthCheckProbe(IHealthCheck check, HealthCheckRegistration registration) : IHealthProbe
{
    public async ValueTask<ProbeResult> ProbeAsync(CancellationToken cancellationToken)
    {
        var result = await check.CheckHealthAsync(new HealthCheckContext { Registration = registration }, cancellationToken).ConfigureAwait(false);
        var description = result.Description ?? result.Exception?.Message ?? result.Status.ToString();
        return result.Status switch
        {
            HealthStatus.Healthy => ProbeResult.Healthy(description),
            HealthStatus.Degraded => ProbeResult.Degraded(description),
            _ => ProbeResult.Unhealthy(description, result.Exception),
        };
    }
}
