using Bulwark.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace Bulwark.Server.Metrics;

/// <summary>
/// <c>GET /metrics</c>: the <c>Bulwark</c> meter's instruments in the Prometheus text exposition format, through
/// OpenTelemetry's Prometheus exporter (the instruments are System.Diagnostics.Metrics ones, which the OpenTelemetry SDK
/// reads natively; the same SDK can send them by OTLP too). Open, like a Prometheus target usually is.
/// </summary>
internal static class MetricsEndpoints
{
    public const string Path = "/metrics";

    public static IServiceCollection AddBulwarkMetrics(this IServiceCollection services)
    {
        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("bulwark"))
            .WithMetrics(metrics => metrics
            .AddMeter(BulwarkMetrics.MeterName)
            .AddPrometheusExporter());
        return services;
    }

    public static IEndpointRouteBuilder MapBulwarkMetrics(this IEndpointRouteBuilder app)
    {
        app.MapPrometheusScrapingEndpoint(Path);
        return app;
    }
}
