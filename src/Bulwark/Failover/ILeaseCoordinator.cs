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
public sealed record Lease(string Group, string Holder, FencingToken Token, TimeSpan Ttl);

/// <summary>
/// Leases for failover groups, each term with a fencing token that only grows. Implementations: SQLite (several
/// processes on one machine share a file), later etcd and PostgreSQL. One contract test suite runs against each.
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
}
