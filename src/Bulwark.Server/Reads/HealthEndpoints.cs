using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Bulwark.Server.Reads;

/// <summary>
/// <c>GET /healthz</c>: the process serves requests (always 200 while it does). <c>GET /readyz</c>: 200 when every
/// readiness condition holds, else 503 problem+json naming the failing ones. Both open, for load balancers and probes.
/// </summary>
internal static class HealthEndpoints
{
    public static IServiceCollection AddBulwarkHealth(this IServiceCollection services) => services.AddSingleton<Readiness>();

    public static IEndpointRouteBuilder MapBulwarkHealth(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", (TimeProvider time) => TypedResults.Ok(new { status = "alive", at = time.GetUtcNow() }))
            .WithName("healthz").WithTags("health").WithSummary("Bulwark itself is alive.");

        app.MapGet("/readyz", async (Readiness readiness, CancellationToken cancellationToken) =>
        {
            var checks = await readiness.CheckAsync(cancellationToken).ConfigureAwait(false);
            var failing = checks.Where(c => !c.Ok).ToList();
            if (failing.Count == 0)
            {
                return Results.Ok(new { status = "ready", checks });
            }

            return TypedResults.Problem(
                string.Join("; ", failing.Select(c => $"{c.Name}: {c.Detail}")),
                statusCode: StatusCodes.Status503ServiceUnavailable,
                title: "Not ready",
                extensions: new Dictionary<string, object?> { ["checks"] = checks });
        })
            .WithName("readyz").WithTags("health").WithSummary("Configuration loaded, store writable, leadership known.")
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return app;
    }
}
