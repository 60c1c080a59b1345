using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;

namespace Bulwark.Server.Auth;

/// <summary>Endpoint metadata: the least role an endpoint needs (the 403 body names it).</summary>
internal sealed record RequiredRole(ApiRole Role);

/// <summary>
/// One authorization policy per role, named like the role (<c>viewer</c>, <c>engine</c>, <c>operator</c>, <c>admin</c>):
/// a key of that role or a higher one. <c>endpoint.RequireRole(ApiRole.Operator)</c> puts it on an endpoint or a group.
/// An engine key is below operator, so it passes no operator policy: it cannot release a kill switch. An endpoint whose
/// rule depends on the body (engage allowed to engines, release only to operators) takes the lower policy and checks
/// <see cref="ApiCaller.Allows"/> for the rest.
/// </summary>
internal static class RolePolicies
{
    public static string Name(ApiRole role) => ApiRoles.Name(role);

    public static void Add(AuthorizationOptions options)
    {
        foreach (var role in ApiRoles.All)
        {
            var needed = role;
            options.AddPolicy(Name(role), policy => policy
                .AddAuthenticationSchemes(ApiKeyAuthentication.SchemeName)
                .RequireAuthenticatedUser()
                .RequireAssertion(context => context.User.Identity is { IsAuthenticated: true } &&
                    ApiRoles.TryParse(context.User.FindFirst(System.Security.Claims.ClaimTypes.Role)?.Value, out var held) &&
                    ApiRoles.Allows(held, needed)));
        }
    }

    /// <summary>Requires a key of <paramref name="role"/> or higher on an endpoint or a group.</summary>
    public static TBuilder RequireRole<TBuilder>(this TBuilder builder, ApiRole role)
        where TBuilder : IEndpointConventionBuilder =>
        builder.RequireAuthorization(Name(role)).WithMetadata(new RequiredRole(role));
}
