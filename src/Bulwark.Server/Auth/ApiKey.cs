namespace Bulwark.Server.Auth;

/// <summary>One API key as stored: never the key itself, only its hash.</summary>
/// <param name="Id">Stable short id (shown by <c>bulwark keys list</c>, accepted by <c>revoke</c>).</param>
/// <param name="Name">Who or what holds it; unique among the keys not revoked. Audit events name it.</param>
/// <param name="Role">What it may do.</param>
/// <param name="CreatedAt">When it was added.</param>
/// <param name="CreatedBy">Who added it (the operating-system user of <c>bulwark keys add</c>).</param>
/// <param name="RevokedAt">When it was revoked; null while valid.</param>
/// <param name="RevokedBy">Who revoked it.</param>
internal sealed record ApiKey(string Id, string Name, ApiRole Role, DateTimeOffset CreatedAt, string CreatedBy, DateTimeOffset? RevokedAt, string? RevokedBy)
{
    public bool IsRevoked => RevokedAt is not null;
}
