using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.DependencyInjection;

namespace Bulwark.Server.Auth;

/// <summary>API-key authentication, the role policies, the failed-authentication limiter.</summary>
internal static class AuthRegistration
{
    public static IServiceCollection AddBulwarkAuth(this IServiceCollection services, ApiKeyStore keys, ServerOptions options, TimeProvider time)
    {
        services.AddSingleton(keys);
        services.AddSingleton<ApiKeyCache>();
        services.AddSingleton<StreamTickets>();
        services.AddSingleton(new FailedAuthLimiter(options.AuthFailureLimit, TimeSpan.FromSeconds(options.AuthFailureWindowSeconds), time));
        services.AddAuthentication(ApiKeyAuthentication.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthentication>(ApiKeyAuthentication.SchemeName, _ => { });
        services.AddAuthorization(RolePolicies.Add);
        return services;
    }
}
