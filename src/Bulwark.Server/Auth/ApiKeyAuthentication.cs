using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Claims;
using System.Text.Encodings.Web;
using Bulwark.Diagnostics;
using Bulwark.Server.Problems;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace Bulwark.Server.Auth;

/// <summary>
/// <c>Authorization: Bearer KEY</c>. No header: anonymous (401 where a role is needed). A malformed header, an unknown or
/// revoked key: a failed authentication, counted on <c>bulwark.server.auth.failures</c> and by
/// <see cref="FailedAuthLimiter"/>. A key found valid is trusted for <see cref="CacheFor"/> before the store is asked
/// again, so a revocation takes effect within that time and the order path does not read SQLite on every request.
/// </summary>
internal sealed class ApiKeyAuthentication(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    ApiKeyStore store,
    ApiKeyCache cache,
    FailedAuthLimiter limiter,
    BulwarkMetrics metrics,
    StreamTickets tickets,
    TimeProvider time) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";

    /// <summary>How long a key found valid is trusted without asking the store.</summary>
    internal static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(2);

    private const string FailureItem = "bulwark.auth.failure";
    private const string LimitedItem = "bulwark.auth.retry-after";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization;
        if (header.Count == 0)
        {
            // A browser's EventSource cannot send the header: a stream ticket, on the stream endpoint only.
            var ticketed = tickets.TryAuthenticate(Context, SchemeName, out var ticketFailure);
            if (ticketFailure is not null)
            {
                limiter.RecordFailure(Context.Connection.RemoteIpAddress);
                return Failed("ticket", ticketFailure);
            }

            return ticketed ?? AuthenticateResult.NoResult();
        }

        var address = Context.Connection.RemoteIpAddress;
        var value = header.Count == 1 ? header[0] ?? "" : "";
        var key = value.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? value["Bearer ".Length..].Trim() : null;
        var wellFormed = key is not null && ApiKeySecret.HasKeyShape(key);
        var hash = wellFormed ? ApiKeySecret.Hash(key!) : null;
        if (limiter.IsLimited(address, hash, out var retryAfter))
        {
            Context.Items[LimitedItem] = retryAfter;
            return Failed("limited", "too many failed authentications from this address; retry later");
        }

        if (hash is null)
        {
            limiter.RecordFailure(address);
            return Failed("malformed", key is null
                ? "the Authorization header must be 'Bearer KEY'"
                : "the key is not a Bulwark API key (bwk_ and 43 characters); create one with 'bulwark keys add'");
        }

        var found = cache.Get(hash, time.GetUtcNow());
        if (found is null)
        {
            found = await store.FindAsync(hash, Context.RequestAborted).ConfigureAwait(false);
            if (found is { IsRevoked: false })
            {
                cache.Put(hash, found, time.GetUtcNow() + CacheFor);
            }
        }

        if (found is null || found.IsRevoked || !Enum.IsDefined(found.Role))
        {
            limiter.RecordFailure(address);
            return found is null ? Failed("invalid", "unknown API key") : Failed("revoked", $"the API key '{found.Name}' is revoked");
        }

        limiter.RecordSuccess(address, hash);
        var identity = new ClaimsIdentity(
            [
                new Claim(ClaimTypes.NameIdentifier, found.Id),
                new Claim(ClaimTypes.Name, found.Name),
                new Claim(ClaimTypes.Role, ApiRoles.Name(found.Role)),
            ],
            SchemeName);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        if (Context.Items.TryGetValue(LimitedItem, out var limited) && limited is TimeSpan retryAfter)
        {
            Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
            await ProblemWriter.WriteAsync(Context, StatusCodes.Status429TooManyRequests, "Too many failed authentications",
                "this address sent too many wrong keys; until the Retry-After delay ends, only a key that has already worked from it is checked").ConfigureAwait(false);
            return;
        }

        Response.Headers.WWWAuthenticate = "Bearer";
        var why = Context.Items.TryGetValue(FailureItem, out var failure) && failure is string text
            ? text
            : "this endpoint needs an API key: send 'Authorization: Bearer KEY' (create one with 'bulwark keys add --role viewer --name NAME')";
        await ProblemWriter.WriteAsync(Context, StatusCodes.Status401Unauthorized, "Authentication required", why).ConfigureAwait(false);
    }

    protected override async Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        var needed = Context.GetEndpoint()?.Metadata.GetMetadata<RequiredRole>()?.Role;
        var caller = ApiCaller.From(Context);
        var detail = needed is { } role
            ? $"this needs the {ApiRoles.Name(role)} role{(role < ApiRole.Admin ? " or higher" : "")}; the key '{caller?.Name}' has the {(caller is null ? "no" : ApiRoles.Name(caller.Role))} role"
            : "the key's role does not allow this";
        await ProblemWriter.WriteAsync(Context, StatusCodes.Status403Forbidden, "Role too weak", detail).ConfigureAwait(false);
    }

    private AuthenticateResult Failed(string reason, string message)
    {
        metrics.AuthFailures.Add(1, new KeyValuePair<string, object?>("reason", reason));
        Context.Items[FailureItem] = message;
        return AuthenticateResult.Fail(message);
    }
}

/// <summary>Keys found valid, by hash, until they expire; bounded (cleared when full).</summary>
internal sealed class ApiKeyCache
{
    private const int MaxEntries = 10_000;

    private readonly ConcurrentDictionary<string, (ApiKey Key, DateTimeOffset Until)> _entries = new(StringComparer.Ordinal);

    public ApiKey? Get(byte[] hash, DateTimeOffset now) =>
        _entries.TryGetValue(Convert.ToHexString(hash), out var entry) && now < entry.Until ? entry.Key : null;

    public void Put(byte[] hash, ApiKey key, DateTimeOffset until)
    {
        if (_entries.Count >= MaxEntries)
        {
            _entries.Clear();
        }

        _entries[Convert.ToHexString(hash)] = (key, until);
    }
}
