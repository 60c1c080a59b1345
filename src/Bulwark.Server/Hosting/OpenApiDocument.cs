using Bulwark.Server.Auth;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.OpenApi;

namespace Bulwark.Server.Hosting;

/// <summary>
/// The OpenAPI document at <c>/openapi/v1.json</c>: every endpoint, the bearer scheme of the API keys, and on each
/// endpoint that needs a key the role it needs.
/// </summary>
internal static class OpenApiDocument
{
    private const string Scheme = "bearer";

    public static IServiceCollection AddBulwarkOpenApi(this IServiceCollection services) => services.AddOpenApi(options =>
    {
        options.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = "Bulwark";
            document.Info.Description = "The HTTP API of a running Bulwark (docs/server.md). Keys: bulwark keys add --role R --name NAME.";
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
            document.Components.SecuritySchemes[Scheme] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = Scheme,
                Description = "An API key: Authorization: Bearer bwk_...",
            };
            return Task.CompletedTask;
        });
        options.AddOperationTransformer((operation, context, _) =>
        {
            if (context.Description.ActionDescriptor.EndpointMetadata.OfType<RequiredRole>().LastOrDefault() is { } role)
            {
                operation.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(Scheme, context.Document)] = [] }];
                operation.Description = $"Needs a key of the {ApiRoles.Name(role.Role)} role or higher. {operation.Description}".Trim();
            }

            return Task.CompletedTask;
        });
    });
}
