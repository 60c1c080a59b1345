using System.Text.Encodings.Web;
using System.Text.Json.Serialization;
using Bulwark.Server.Auth;
using Bulwark.Server.Problems;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Bulwark.Server.Hosting;

/// <summary>
/// Builds the web application: nothing read from appsettings files or ASPNETCORE_ variables (the <c>server:</c> section
/// and <c>--urls</c> decide), the system's clock and logs, the services of each area, then the pipeline and the endpoints.
/// </summary>
internal static class ServerHost
{
    public static WebApplication Build(SafetySystem system, ServerOptions options, IReadOnlyList<string> urls, ApiKeyStore keys, Action<WebApplication>? configure = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ApplicationName = "Bulwark.Server",
            EnvironmentName = Environments.Production,
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(system.LoggerFactory);

        // Started and stopped by its owner (bulwark run handles SIGINT and SIGTERM itself): no console lifetime.
        builder.Services.AddSingleton<IHostLifetime, OwnerLifetime>();
        builder.WebHost.UseSetting(WebHostDefaults.PreventHostingStartupKey, "true");
        KestrelBinding.Apply(builder.WebHost, options, urls);

        var services = builder.Services;
        services.AddSingleton(system);
        services.AddSingleton(options);
        services.AddSingleton(system.Time);
        services.AddSingleton(system.Metrics);
        services.ConfigureHttpJsonOptions(json =>
        {
            // The CLI's --json settings (BulwarkJson): camelCase, enums by name, nulls left out.
            json.SerializerOptions.Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping;
            json.SerializerOptions.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;

            // A number in quotes is a wrong type, not a number: the web defaults would read "10" as 10.
            json.SerializerOptions.NumberHandling = JsonNumberHandling.Strict;
            json.SerializerOptions.Converters.Add(new JsonStringEnumConverter(namingPolicy: null, allowIntegerValues: false));
        });
        services.AddBulwarkProblems();
        services.AddBulwarkAuth(keys, options, system.Time);
        EndpointRegistration.AddServices(services);

        var app = builder.Build();
        app.UseBulwarkProblems();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapBulwarkEndpoints();
        configure?.Invoke(app);
        return app;
    }
}

/// <summary>A host lifetime that waits for nothing and listens to no signal: the owner starts and stops the host.</summary>
internal sealed class OwnerLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
