using Bulwark.Server.Dashboard;
using Bulwark.Server.Gate;
using Bulwark.Server.Reads;
using Bulwark.Server.Writes;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Bulwark.Server.Hosting;

/// <summary>
/// Every area's services and endpoints, one line each: a new area adds its <c>Add...</c> and <c>Map...</c> lines here
/// and keeps its endpoints in its own folder. The API is under <c>/api/v1</c>; health and metrics are at the root.
/// </summary>
internal static class EndpointRegistration
{
    public const string ApiPrefix = "/api/v1";

    public static void AddServices(IServiceCollection services)
    {
        services.AddBulwarkHealth();
        services.AddBulwarkWrites();
    }

    public static WebApplication MapBulwarkEndpoints(this WebApplication app)
    {
        app.MapBulwarkHealth();
        var api = app.MapGroup(ApiPrefix);
        api.MapBulwarkReads();
        api.MapBulwarkWrites();
        api.MapBulwarkGate();
        api.MapBulwarkSession();
        app.MapBulwarkDashboard();
        return app;
    }

}
