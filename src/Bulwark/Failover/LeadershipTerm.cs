namespace Bulwark.Failover;

/// <summary>
/// What a gate checks an order's leadership against: the term's fencing token and the term's deadline, on the monotonic
/// clock the elector and the gate share (<see cref="TimeProvider.GetTimestamp"/>). The elector creates one per term,
/// moves its deadline at each renewal and ends it at once on a loss, so the gate reads the end of a term from the clock
/// itself: a paused process, a starved timer or a late callback can never leave it open past the deadline.
/// </summary>
internal sealed class LeadershipTerm
{
    /// <summary>A gate on its own: no leadership needed, no token stamped.</summary>
    public static readonly LeadershipTerm NotRequired = new(-1, long.MaxValue);

    /// <summary>Leadership needed and not held (or not known): every new order is rejected.</summary>
    public static readonly LeadershipTerm Closed = new(0, long.MinValue);

    private long _validUntil;

    public LeadershipTerm(long token, long validUntil)
    {
        Token = token;
        _validUntil = validUntil;
    }

    /// <summary>-1: not required; 0: closed; &gt; 0: the term's fencing token.</summary>
    public long Token { get; }

    /// <summary>The first timestamp at which the term is over. Volatile.Read: acquire, pairs with <see cref="Extend"/> and <see cref="End"/>.</summary>
    public long ValidUntil => Volatile.Read(ref _validUntil);

    /// <summary>A renewal moved the deadline (the elector only).</summary>
    public void Extend(long validUntil) => Volatile.Write(ref _validUntil, validUntil); // release

    /// <summary>The term is over from now on, whatever the clock says.</summary>
    public void End() => Volatile.Write(ref _validUntil, long.MinValue); // release
}
