using Bulwark.Server.Auth;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Bulwark.Server.Reads;

/// <summary>The read endpoints under <c>/api/v1</c>: any key (viewer or higher).</summary>
internal static class ReadEndpoints
{
    public static IEndpointRouteBuilder MapBulwarkReads(this IEndpointRouteBuilder api)
    {
        var reads = api.MapGroup("").RequireRole(ApiRole.Viewer).WithTags("reads");
        reads.MapGet("/status", async (SafetySystem system, CancellationToken cancellationToken) =>
                TypedResults.Ok(await StatusView.BuildAsync(system, cancellationToken).ConfigureAwait(false)))
            .WithName("status").WithSummary("System state, every component with its last check, trading state and kill switches.");
        return api;
    }
}
