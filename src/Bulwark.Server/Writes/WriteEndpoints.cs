using Bulwark.Server.Auth;
using Bulwark.Server.Problems;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Bulwark.Server.Writes;

/// <summary>
/// The writes under <c>/api/v1</c>. Each reads its body whole and validates every field before it changes anything
/// (<see cref="JsonBody"/>, <see cref="FieldErrors"/>), goes through the same code as the CLI or the signal that does
/// the same thing, and is recorded in the event log naming the key's owner (<see cref="ApiCaller.Actor"/>) and the reason.
/// </summary>
internal static class WriteEndpoints
{
    public static IServiceCollection AddBulwarkWrites(this IServiceCollection services) =>
        services.AddSingleton(provider => new Operations(provider.GetRequiredService<TimeProvider>()));

    public static IEndpointRouteBuilder MapBulwarkWrites(this IEndpointRouteBuilder api)
    {
        var writes = api.MapGroup("").WithTags("writes");

        // Engage is open to engines (one that sees trouble halts itself); release needs an operator, checked on the body.
        writes.MapPost("/kill-switch", KillSwitchEndpoint.HandleAsync).RequireRole(ApiRole.Engine).Body<KillSwitchRequest, KillSwitchResponse>()
            .WithName("killSwitch").WithSummary("Engage (engine or operator) or release (operator) the kill switch of the firm, an account, a strategy or a symbol.");
        writes.MapPost("/incidents/{id}/ack", (string id, HttpContext context, SafetySystem system) => IncidentEndpoints.ActAsync(id, "ack", context, system))
            .RequireRole(ApiRole.Operator).Body<IncidentNoteRequest, IncidentActionResponse>().WithName("acknowledgeIncident").WithSummary("Acknowledge an open incident, with a note.");
        writes.MapPost("/incidents/{id}/resolve", (string id, HttpContext context, SafetySystem system) => IncidentEndpoints.ActAsync(id, "resolve", context, system))
            .RequireRole(ApiRole.Operator).Body<IncidentNoteRequest, IncidentActionResponse>().WithName("resolveIncident").WithSummary("Resolve an open incident by hand, with a note.");
        writes.MapPost("/failover/switchover", SwitchoverEndpoint.HandleAsync).RequireRole(ApiRole.Operator).Body<SwitchoverRequest, SwitchoverResponse>()
            .WithName("switchover").WithSummary("Planned hand-over of a failover group to a named replica; waits (bounded) for it to lead.");
        writes.MapPost("/recoveries", PlanEndpoints.RecoverAsync).RequireRole(ApiRole.Operator).Body<PlanRequest, DryRunResponse>().Produces<OperationView>(StatusCodes.Status202Accepted)
            .WithName("runRecovery").WithSummary("Run a recovery plan in the running system (202, poll the location), or describe it (dryRun).");
        writes.MapPost("/drills", PlanEndpoints.DrillAsync).RequireRole(ApiRole.Operator).Body<PlanRequest, DryRunResponse>().Produces<OperationView>(StatusCodes.Status202Accepted)
            .WithName("runDrill").WithSummary("Run a failover drill (plan failover:GROUP) or zone drill (plan zone:ZONE) (202, poll the location), or list what it would stop (dryRun).");
        writes.MapGet("/operations/{id}", (string id, Operations operations) => operations.Find(id) is { } operation
                ? TypedResults.Json(operation.View(), WriteJsonContext.Default.OperationView)
                : ProblemWriter.Result(StatusCodes.Status404NotFound, "Not found", $"no operation '{id}' (the latest {Operations.Kept} are kept; the event log has every one)", "id"))
            .RequireRole(ApiRole.Viewer).WithName("operation").WithSummary("A drill or recovery run started over HTTP: running, then its outcome and report.");
        writes.MapPut("/limits", LimitsEndpoint.HandleAsync).RequireRole(ApiRole.Admin).Body<System.Text.Json.Nodes.JsonObject, LimitsResponse>()
            .WithName("putLimits").WithSummary("Replace the trading limits document, validated whole and applied atomically (the SIGHUP reload's path), audited.");
        return api;
    }

    /// <summary>
    /// For the OpenAPI document: a JSON body of <typeparamref name="TRequest"/>, answered with <typeparamref name="TResponse"/>
    /// or a problem. The body is described by a transformer, not by <c>Accepts</c> metadata, which would make routing answer a
    /// wrong content type itself (before authentication, without the field): <see cref="JsonBody"/> does that, after it.
    /// </summary>
    internal static RouteHandlerBuilder Body<TRequest, TResponse>(this RouteHandlerBuilder builder) => builder
        .AddOpenApiOperationTransformer(async (operation, context, cancellationToken) =>
        {
            operation.RequestBody = new OpenApiRequestBody
            {
                Required = true,
                Content = new Dictionary<string, OpenApiMediaType>
                {
                    ["application/json"] = new() { Schema = await context.GetOrCreateSchemaAsync(typeof(TRequest), null, cancellationToken).ConfigureAwait(false) },
                },
            };
        })
        .Produces<TResponse>()
        .ProducesValidationProblem()
        .ProducesProblem(StatusCodes.Status401Unauthorized)
        .ProducesProblem(StatusCodes.Status403Forbidden)
        .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
        .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
        .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

    /// <summary>503: the running system has no such part configured.</summary>
    internal static IResult NotConfigured(string what, string section) => ProblemWriter.Result(StatusCodes.Status503ServiceUnavailable, "Not configured",
        $"{what} is not configured in this system: add a {section}: section to the configuration and restart");
}
