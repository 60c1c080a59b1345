using System.Security.Claims;
using Microsoft.AspNetCore.Http;

namespace Bulwark.Server.Auth;

/// <summary>
/// The key a request was authenticated with, for audit events: <see cref="Actor"/> names its owner as
/// <c>NAME (key ID)</c>. Read it in an endpoint with <c>ApiCaller.From(httpContext)</c>.
/// </summary>
internal sealed record ApiCaller(string Id, string Name, ApiRole Role)
{
    /// <summary>Who did it, for <see cref="SafetyEvent.Actor"/>: the key's name and id.</summary>
    public string Actor => $"{Name} (key {Id})";

    /// <summary>Whether this caller's role allows what needs <paramref name="role"/>.</summary>
    public bool Allows(ApiRole role) => ApiRoles.Allows(Role, role);

    /// <summary>The authenticated caller, or null for an anonymous request.</summary>
    public static ApiCaller? From(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var user = context.User;
        if (user.Identity is not { IsAuthenticated: true } ||
            user.FindFirstValue(ClaimTypes.NameIdentifier) is not { } id ||
            user.FindFirstValue(ClaimTypes.Name) is not { } name ||
            !ApiRoles.TryParse(user.FindFirstValue(ClaimTypes.Role), out var role))
        {
            return null;
        }

        return new ApiCaller(id, name, role);
    }
}
