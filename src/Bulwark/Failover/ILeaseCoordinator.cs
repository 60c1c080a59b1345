namespace Bulwark.Failover;

/// <summary>
/// A leadership term's token: it only grows from one term to the next, so a downstream that remembers the
/// largest token it has seen can refuse a deposed leader's late orders (fencing). A lease alone does not give
/// mutual exclusion; the token does.
/// </summary>
public readonly record struct FencingToken(long Value) : IComparable<FencingToken>
{
    /// <inheritdoc />
    public int CompareTo(FencingToken other) => Value.CompareTo(other.Value);

    /// <summary>Orders tokens.</summary>
    public static bool operator <(FencingToken left, FencingToken right) => left.Value < right.Value;

    /// <summary>Orders tokens.</summary>
    public static bool operator >(FencingToken left, FencingToken right) => left.Value > right.Value;

    /// <summary>Orders tokens.</summary>
    public static bool operator <=(FencingToken left, FencingToken right) => left.Value <= right.Value;

    /// <summary>Orders tokens.</summary>
    public static bool operator >=(FencingToken left, FencingToken right) => left.Value >= right.Value;
}

/// <summary>A lease held for a failover group: who holds it, its term's token, and how long it lasts.</summary>
public sealed record Lease(string Group, string Holder, FencingToken Token, TimeSpan Ttl)
{
    /// <summary>The term this one followed, as the coordinator last knew it; null for a group's first term (or when unknown).</summary>
    public PreviousTerm? Previous { get; init; }

    /// <summary>True when this term began by a planned hand-over to its holder (a switchover), not by expiry.</summary>
    public bool ByHandover { get; init; }
}

/// <summary>
/// The term before a new one: its holder, token and the last time it renewed (the last sign of life the coordinator
/// saw), by the coordinator's clock where it has one (PostgreSQL's server clock, the machine's for SQLite) and by the
/// holder's wall clock for etcd.
/// </summary>
public sealed record PreviousTerm(string Holder, FencingToken Token, DateTimeOffset LastRenewedAt)
{
    /// <summary>True when its holder released it (stopped or resigned) rather than letting it expire; etcd cannot tell (false).</summary>
    public bool Released { get; init; }
}

/// <summary>A group's lease as the coordinator holds it now (valid or not), with any hand-over requested.</summary>
public sealed record LeaseRecord(string Group, string Holder, FencingToken Token, DateTimeOffset RenewedAt, DateTimeOffset ExpiresAt)
{
    /// <summary>The replica a switchover asked the lease to be handed to, while the request stands.</summary>
    public string? HandoverTo { get; init; }

    /// <summary>When the hand-over request lapses.</summary>
    public DateTimeOffset? HandoverUntil { get; init; }
}

/// <summary>
/// Leases for failover groups, each term with a fencing token that only grows. Implementations: SQLite (several
/// processes on one machine share a file), etcd and PostgreSQL. One contract test suite runs against each.
/// </summary>
public interface ILeaseCoordinator : IAsyncDisposable
{
    /// <summary>
    /// Takes the group's lease for <paramref name="holder"/> when nobody holds a valid one, starting a new term
    /// with a larger token; null when another holder's lease is still valid.
    /// </summary>
    ValueTask<Lease?> TryAcquireAsync(string group, string holder, TimeSpan ttl, CancellationToken cancellationToken = default);

    /// <summary>
    /// Extends a lease still valid and still this term's; false when it expired or another term began (then the
    /// holder must stop acting as leader and acquire again, with a new token).
    /// </summary>
    ValueTask<bool> RenewAsync(Lease lease, CancellationToken cancellationToken = default);

    /// <summary>Gives the lease up at once, so another replica can take over without waiting for it to expire.</summary>
    ValueTask ReleaseAsync(Lease lease, CancellationToken cancellationToken = default);

    /// <summary>The group's lease record (null when the group never had a leader). An expired record means nobody leads.</summary>
    ValueTask<LeaseRecord?> ReadAsync(string group, CancellationToken cancellationToken = default);

    /// <summary>
    /// A planned hand-over (switchover): for <paramref name="window"/>, only <paramref name="target"/> may acquire the
    /// group's lease, and the current leader's renewals are refused, so it resigns first (its elector releases the
    /// lease) and the target takes over with a larger token. The target's acquisition ends the request; so does the
    /// window's end, after which anyone may acquire again.
    /// </summary>
    ValueTask RequestHandoverAsync(string group, string target, TimeSpan window, CancellationToken cancellationToken = default);
}
