namespace Bulwark.Failover;

/// <summary>
/// Who leads a failover group now, as the coordinator says: the leader while its lease is valid (null when nobody
/// leads), the fencing token, the last holder, the last renewal, the lease's end and a pending switchover. Read the same
/// way by <c>bulwark failover status</c> and the server's <c>/api/v1/failovers</c>.
/// </summary>
internal sealed record GroupLeadership(string Group, string? Leader, long? Token, string? LastHolder, DateTimeOffset? RenewedAt, DateTimeOffset? ExpiresAt, string? HandoverTo)
{
    /// <summary>Reads one group's lease record; throws what the coordinator throws.</summary>
    public static async Task<GroupLeadership> ReadAsync(ILeaseCoordinator leases, string group, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(leases);
        var record = await leases.ReadAsync(group, cancellationToken).ConfigureAwait(false);
        var leading = record is not null && record.ExpiresAt > now && record.Holder.Length > 0;
        return new GroupLeadership(
            group,
            leading ? record!.Holder : null,
            record is { Token.Value: > 0 } ? record.Token.Value : null,
            record?.Holder is { Length: > 0 } last ? last : null,
            record?.RenewedAt is { } r && r > DateTimeOffset.MinValue ? r : null,
            record?.ExpiresAt is { } e && e > DateTimeOffset.MinValue ? e : null,
            record?.HandoverTo);
    }
}
