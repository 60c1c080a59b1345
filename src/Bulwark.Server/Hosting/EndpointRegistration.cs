using Bulwark.Server.Dashboard;
using Bulwark.Server.Gate;
using Bulwark.Server.Metrics;
using Bulwark.Server.Reads;
using Bulwark.Server.Stream;
using Bulwark.Server.Writes;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Bulwark.Server.Hosting;

/// <summary>
/// Every area's services and endpoints, one line each: a new area adds its <c>Add...</c> and <c>Map...</c> lines here
/// and keeps its endpoints in its own folder. The API is under <c>/api/v1</c>; health, metrics and the OpenAPI document
/// are at the root.
/// </summary>
internal static class EndpointRegistration
{
    public const string ApiPrefix = "/api/v1";

    public static void AddServices(IServiceCollection services)
    {
        services.AddBulwarkHealth();
        services.AddBulwarkStream();
        services.AddBulwarkMetrics();
        services.AddBulwarkOpenApi();
        services.AddBulwarkWrites();
    }

    public static WebApplication MapBulwarkEndpoints(this WebApplication app)
    {
        app.MapBulwarkHealth();
        app.MapBulwarkMetrics();
        app.MapOpenApi();
        var api = app.MapGroup(ApiPrefix);
        api.MapBulwarkReads();
        api.MapBulwarkWrites();
        api.MapBulwarkGate();
        api.MapBulwarkStream();
        api.MapBulwarkSession();
        api.MapBulwarkPositions();
        app.MapBulwarkDashboard();
        return app;
    }
}
