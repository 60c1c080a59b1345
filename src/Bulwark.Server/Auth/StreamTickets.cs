using System.Collections.Concurrent;
using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;

namespace Bulwark.Server.Auth;

/// <summary>
/// Short-lived tickets that let a browser's <c>EventSource</c> (which cannot send an <c>Authorization</c> header) open
/// <c>GET /api/v1/stream</c>. A caller with a key asks for one with <c>POST /api/v1/stream/ticket</c>; the ticket then
/// works as <c>?ticket=</c> on the stream endpoint only, for <see cref="Lifetime"/>, with the viewer role whatever the
/// key's role (it reads, never writes). The key itself never goes in a URL, so it never lands in a proxy's log or the
/// browser's history; a ticket that leaks there is worth one minute of reading the stream. Held in memory only (hashed):
/// a restart voids every ticket, and the page asks for a new one.
/// </summary>
internal sealed class StreamTickets(TimeProvider time)
{
    /// <summary>How long a ticket opens the stream (the page reconnects with a new one after).</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(60);

    /// <summary>The only path a ticket authenticates.</summary>
    public const string StreamPath = "/api/v1/stream";

    /// <summary>The query parameter carrying it.</summary>
    public const string QueryName = "ticket";

    private const int MaxTickets = 10_000;

    private readonly ConcurrentDictionary<string, (ApiCaller Caller, DateTimeOffset Until)> _tickets = new(StringComparer.Ordinal);

    /// <summary>A new ticket for <paramref name="caller"/>, and when it expires.</summary>
    public (string Ticket, DateTimeOffset ExpiresAt) Issue(ApiCaller caller)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var now = time.GetUtcNow();
        if (_tickets.Count >= MaxTickets)
        {
            foreach (var (hash, entry) in _tickets)
            {
                if (entry.Until <= now)
                {
                    _tickets.TryRemove(hash, out _);
                }
            }

            if (_tickets.Count >= MaxTickets)
            {
                _tickets.Clear();
            }
        }

        var ticket = "bwt_" + Base64Url(RandomNumberGenerator.GetBytes(32));
        var until = now + Lifetime;
        _tickets[Hash(ticket)] = (caller with { Role = ApiRole.Viewer }, until);
        return (ticket, until);
    }

    /// <summary>
    /// For a request without an Authorization header: a ticket on the stream path authenticates as its viewer; a ticket
    /// anywhere else, or an unknown or expired one, fails; no ticket is no result.
    /// </summary>
    public AuthenticateResult? TryAuthenticate(HttpContext context, string scheme, out string? failure)
    {
        failure = null;
        if (!context.Request.Query.TryGetValue(QueryName, out var values))
        {
            return null;
        }

        if (!HttpMethods.IsGet(context.Request.Method) || !context.Request.Path.Equals(StreamPath, StringComparison.Ordinal))
        {
            failure = $"a stream ticket is accepted on GET {StreamPath} only; send 'Authorization: Bearer KEY' here";
            return AuthenticateResult.Fail(failure);
        }

        var value = values.Count == 1 ? values[0] ?? "" : "";
        if (!_tickets.TryGetValue(Hash(value), out var entry) || entry.Until <= time.GetUtcNow())
        {
            failure = "the stream ticket is unknown or expired; ask for a new one with POST /api/v1/stream/ticket";
            return AuthenticateResult.Fail(failure);
        }

        var identity = new ClaimsIdentity(
            [
                new Claim(ClaimTypes.NameIdentifier, entry.Caller.Id),
                new Claim(ClaimTypes.Name, entry.Caller.Name),
                new Claim(ClaimTypes.Role, ApiRoles.Name(entry.Caller.Role)),
            ],
            scheme);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), scheme));
    }

    private static string Hash(string ticket) => Convert.ToHexString(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(ticket)));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
