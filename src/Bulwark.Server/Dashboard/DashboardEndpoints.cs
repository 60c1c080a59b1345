using System.Collections.Frozen;
using System.Security.Cryptography;
using Bulwark.Server.Auth;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Bulwark.Server.Dashboard;

/// <summary>
/// The dashboard: a page, a stylesheet and a script embedded in this assembly (nothing fetched from elsewhere, no build
/// step), served open at <c>/dashboard/</c> (the page holds no data: every figure comes from the API with the key the
/// user enters). <c>GET /api/v1/whoami</c> tells the page the key's name and role; <c>POST /api/v1/stream/ticket</c>
/// gives it a ticket for the event stream (<see cref="StreamTickets"/>). Every asset goes out with a strict
/// Content-Security-Policy (only this origin, no inline script) and no referrer.
/// </summary>
internal static class DashboardEndpoints
{
    public const string Prefix = "/dashboard";

    private const string Security = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
        "form-action 'none'; frame-ancestors 'none'; base-uri 'none'";

    private static readonly FrozenDictionary<string, Asset> Assets = Load();

    public static IEndpointRouteBuilder MapBulwarkDashboard(this IEndpointRouteBuilder app)
    {
        app.MapGet("/", () => Results.Redirect(Prefix + "/")).ExcludeFromDescription();
        // Routing matches /dashboard and /dashboard/ alike: the page's relative links need the slash.
        app.MapGet(Prefix + "/{file?}", (HttpContext context, string? file) =>
                file is null && !context.Request.Path.Value!.EndsWith('/') ? Results.Redirect(Prefix + "/") : Serve(context, file ?? "index.html"))
            .ExcludeFromDescription();
        return app;
    }

    public static IEndpointRouteBuilder MapBulwarkSession(this IEndpointRouteBuilder api)
    {
        api.MapGet("/whoami", (HttpContext context) =>
        {
            var caller = ApiCaller.From(context)!;
            return TypedResults.Ok(new WhoAmI(caller.Name, ApiRoles.Name(caller.Role)));
        }).RequireRole(ApiRole.Viewer).WithTags("reads").WithName("whoami").WithSummary("The calling key's name and role.");

        api.MapPost("/stream/ticket", (HttpContext context, StreamTickets tickets) =>
        {
            var (ticket, expiresAt) = tickets.Issue(ApiCaller.From(context)!);
            context.Response.Headers.CacheControl = "no-store";
            return TypedResults.Ok(new StreamTicket(ticket, expiresAt, StreamTickets.StreamPath + "?" + StreamTickets.QueryName + "=" + ticket));
        }).RequireRole(ApiRole.Viewer).WithTags("reads").WithName("streamTicket")
            .WithSummary("A ticket that opens GET /api/v1/stream as ?ticket= for 60 s, with the viewer role (for a browser's EventSource).");
        return api;
    }

    private static IResult Serve(HttpContext context, string file)
    {
        if (!Assets.TryGetValue(file, out var asset))
        {
            return Problems.ProblemWriter.Result(StatusCodes.Status404NotFound, "Not found", $"the dashboard has no file '{file}'");
        }

        var headers = context.Response.Headers;
        headers.ContentSecurityPolicy = Security;
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        headers.XFrameOptions = "DENY";
        headers.CacheControl = "no-cache";
        headers.ETag = asset.ETag;
        if (context.Request.Headers.IfNoneMatch == asset.ETag)
        {
            return Results.StatusCode(StatusCodes.Status304NotModified);
        }

        return Results.Bytes(asset.Bytes, asset.ContentType);
    }

    private static FrozenDictionary<string, Asset> Load()
    {
        var assembly = typeof(DashboardEndpoints).Assembly;
        var assets = new Dictionary<string, Asset>(StringComparer.Ordinal);
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith("dashboard/", StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            var bytes = copy.ToArray();
            var file = name["dashboard/".Length..];
            var type = Path.GetExtension(file) switch
            {
                ".html" => "text/html; charset=utf-8",
                ".css" => "text/css; charset=utf-8",
                ".js" => "text/javascript; charset=utf-8",
                ".svg" => "image/svg+xml",
                _ => "application/octet-stream",
            };
            assets[file] = new Asset(bytes, type, "\"" + Convert.ToHexString(SHA256.HashData(bytes))[..16] + "\"");
        }

        return assets.ToFrozenDictionary(StringComparer.Ordinal);
    }

    private sealed record Asset(byte[] Bytes, string ContentType, string ETag);
}

/// <summary>The calling key: its name and role.</summary>
internal sealed record WhoAmI(string Name, string Role);

/// <summary>A stream ticket, when it expires, and the URL to open with it.</summary>
internal sealed record StreamTicket(string Ticket, DateTimeOffset ExpiresAt, string Url);
