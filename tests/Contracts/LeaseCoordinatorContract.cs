using Bulwark.Failover;
using CsCheck;
using Microsoft.Extensions.Time.Testing;

namespace Bulwark.Tests.Contracts;

/// <summary>
/// What every <see cref="ILeaseCoordinator"/> must do, run against each implementation (SQLite, PostgreSQL, etcd).
/// An embedded backend is given a <see cref="FakeTimeProvider"/> (<see cref="UsesFakeTime"/>); a server backend keeps
/// time by the server's clock, so there the test waits in real time, with a short lease.
/// </summary>
public abstract class LeaseCoordinatorContract : IAsyncLifetime
{
    /// <summary>The clock handed to an embedded backend (ignored by a server backend).</summary>
    protected FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 11, 25, 9, 0, 0, TimeSpan.Zero));

    /// <summary>Lease length used by every test.</summary>
    protected virtual TimeSpan Ttl => TimeSpan.FromSeconds(2);

    /// <summary>True when the backend reads <see cref="Time"/>; false when it keeps time by a server's clock.</summary>
    protected abstract bool UsesFakeTime { get; }

    /// <summary>How late after its TTL a backend may still hold an unrenewed lease (etcd checks expiry periodically).</summary>
    protected virtual TimeSpan ExpiryLateness => TimeSpan.Zero;

    /// <summary>Whether a successor can tell a released term from an expired one (etcd deletes the key either way).</summary>
    protected virtual bool KnowsReleases => true;

    /// <summary>Samples of the random-history property (each takes real time on a server backend).</summary>
    protected virtual int PropertyIterations => 100;

    /// <summary>A coordinator on the shared backing store of this test (a second call: another replica on the same store).</summary>
    protected abstract Task<ILeaseCoordinator> ConnectAsync();

    public virtual Task InitializeAsync() => Task.CompletedTask;

    public virtual Task DisposeAsync() => Task.CompletedTask;

    /// <summary>Now, by the clock the backend uses (the fake one, or this machine's, which a local server shares).</summary>
    private DateTimeOffset Now => UsesFakeTime ? Time.GetUtcNow() : TimeProvider.System.GetUtcNow();

    private async Task AdvanceAsync(TimeSpan by)
    {
        if (UsesFakeTime)
        {
            Time.Advance(by);
        }
        else if (by > TimeSpan.Zero)
        {
            await Task.Delay(by);
        }
    }

    /// <summary>Past the lease's end: exactly the TTL on a fake clock; with room for the backend's lateness in real time.</summary>
    private Task PastExpiryAsync() =>
        AdvanceAsync(UsesFakeTime ? Ttl : Ttl + ExpiryLateness + TimeSpan.FromMilliseconds(200));

    [Fact]
    public async Task FirstAcquire_Wins_AndAnotherHolderIsRefusedWhileItIsValid()
    {
        await using var a = await ConnectAsync();
        await using var b = await ConnectAsync();
        var lease = await a.TryAcquireAsync("g", "a", Ttl);
        Assert.NotNull(lease);
        Assert.True(lease.Token.Value > 0);
        await AdvanceAsync(UsesFakeTime ? Ttl - TimeSpan.FromMilliseconds(1) : Ttl / 4);
        Assert.Null(await b.TryAcquireAsync("g", "b", Ttl));
        Assert.Null(await a.TryAcquireAsync("g", "a", Ttl)); // a new term needs the old one ended, even for its holder
        Assert.NotNull(await b.TryAcquireAsync("other-group", "b", Ttl)); // groups are independent
    }

    [Fact]
    public async Task AfterExpiry_AnotherHolderTakesOver_WithALargerToken_AndTheOldOneCannotRenew()
    {
        await using var a = await ConnectAsync();
        await using var b = await ConnectAsync();
        var first = (await a.TryAcquireAsync("g", "a", Ttl))!;
        await PastExpiryAsync();
        var second = await b.TryAcquireAsync("g", "b", Ttl);
        Assert.NotNull(second);
        Assert.True(second.Token > first.Token);
        Assert.False(await a.RenewAsync(first));
        Assert.True(await b.RenewAsync(second));
    }

    [Fact]
    public async Task Renew_ExtendsAValidLease_ButNeverRevivesAnExpiredOne()
    {
        await using var a = await ConnectAsync();
        var lease = (await a.TryAcquireAsync("g", "a", Ttl))!;
        await AdvanceAsync(Ttl * 0.6);
        Assert.True(await a.RenewAsync(lease));
        await AdvanceAsync(Ttl * 0.6);                    // 1.2 TTL after acquiring, 0.6 after renewing: still valid
        Assert.True(await a.RenewAsync(lease));
        await PastExpiryAsync();
        Assert.False(await a.RenewAsync(lease));          // expired, even though nobody took it
    }

    [Fact]
    public async Task Release_LetsAnotherHolderTakeOverAtOnce()
    {
        await using var a = await ConnectAsync();
        await using var b = await ConnectAsync();
        var first = (await a.TryAcquireAsync("g", "a", Ttl))!;
        await a.ReleaseAsync(first);
        var second = await b.TryAcquireAsync("g", "b", Ttl);
        Assert.NotNull(second);
        Assert.True(second.Token > first.Token);
        if (KnowsReleases)
        {
            Assert.True(second.Previous is { Holder: "a", Released: true }, $"previous: {second.Previous}");
        }

        Assert.False(await a.RenewAsync(first));
        await a.ReleaseAsync(first); // releasing an old term again changes nothing
        Assert.True(await b.RenewAsync(second));
    }

    [Fact]
    public async Task Tokens_KeepGrowing_AcrossReconnects()
    {
        FencingToken last;
        await using (var a = await ConnectAsync())
        {
            last = (await a.TryAcquireAsync("g", "a", Ttl))!.Token;
        }

        await PastExpiryAsync();
        await using var again = await ConnectAsync();
        Assert.True((await again.TryAcquireAsync("g", "b", Ttl))!.Token > last);
    }

    [Fact]
    public async Task Read_ShowsTheTerm_AndAnEndedOneAfterExpiry()
    {
        await using var a = await ConnectAsync();
        await using var b = await ConnectAsync();
        Assert.Null(await b.ReadAsync("g"));
        var lease = (await a.TryAcquireAsync("g", "a", Ttl))!;
        var record = await b.ReadAsync("g");
        Assert.NotNull(record);
        Assert.Equal(("a", lease.Token), (record.Holder, record.Token));
        Assert.True(record.ExpiresAt > Now, $"expires {record.ExpiresAt:O}, now {Now:O}");
        Assert.Null(record.HandoverTo);
        await PastExpiryAsync();
        var ended = await b.ReadAsync("g");
        Assert.True(ended is null || ended.ExpiresAt <= Now, "an expired lease reads as ended");
    }

    [Fact]
    public async Task Successor_KnowsThePreviousTerm_AndItsLastRenewal()
    {
        await using var a = await ConnectAsync();
        await using var b = await ConnectAsync();
        var first = (await a.TryAcquireAsync("g", "a", Ttl))!;
        await AdvanceAsync(Ttl * 0.6);
        var renewedAt = Now;
        Assert.True(await a.RenewAsync(first));
        Assert.Null(await b.TryAcquireAsync("g", "b", Ttl)); // a follower trying, as its elector does
        await PastExpiryAsync();
        var second = (await b.TryAcquireAsync("g", "b", Ttl))!;
        Assert.NotNull(second.Previous);
        Assert.Equal(("a", first.Token), (second.Previous.Holder, second.Previous.Token));
        Assert.InRange(second.Previous.LastRenewedAt, renewedAt - TimeSpan.FromMilliseconds(50), Now);
        Assert.False(second.ByHandover);
        Assert.False(second.Previous.Released);
    }

    [Fact]
    public async Task Handover_RefusesTheLeadersRenewal_AndOnlyTheTargetTakesOver()
    {
        await using var a = await ConnectAsync();
        await using var b = await ConnectAsync();
        await using var c = await ConnectAsync();
        var first = (await a.TryAcquireAsync("g", "a", Ttl))!;
        await c.RequestHandoverAsync("g", "b", Ttl * 5);
        Assert.Equal("b", (await c.ReadAsync("g"))!.HandoverTo);
        Assert.False(await a.RenewAsync(first));           // the leader resigns first
        Assert.Null(await b.TryAcquireAsync("g", "b", Ttl)); // not before the leader lets go
        await a.ReleaseAsync(first);
        Assert.Null(await c.TryAcquireAsync("g", "c", Ttl)); // reserved for the target
        var second = await b.TryAcquireAsync("g", "b", Ttl);
        Assert.NotNull(second);
        Assert.True(second.ByHandover);
        Assert.True(second.Token > first.Token);
        Assert.Null((await c.ReadAsync("g"))!.HandoverTo); // the target's term ends the request
        Assert.True(await b.RenewAsync(second));
    }

    [Fact]
    public async Task Handover_Lapses_ThenAnyoneMayAcquire()
    {
        await using var a = await ConnectAsync();
        await using var c = await ConnectAsync();
        await a.RequestHandoverAsync("g", "b", Ttl); // nobody leads yet
        Assert.Null(await c.TryAcquireAsync("g", "c", Ttl));
        await PastExpiryAsync();
        var lease = await c.TryAcquireAsync("g", "c", Ttl);
        Assert.NotNull(lease);
        Assert.False(lease.ByHandover);
    }

    [Fact]
    public async Task Property_NoTwoValidLeases_AndTokensOnlyGrow()
    {
        // Random acquires, renews, releases and clock moves by three replicas: every grant comes when the previous
        // lease is released or expired, and carries a larger token. A lease lasts at least TTL from the moment its
        // acquire or renew was *sent*, so a grant answered before that would be two valid leases at once.
        await using var a = await ConnectAsync();
        await using var b = await ConnectAsync();
        await using var c = await ConnectAsync();
        ILeaseCoordinator[] replicas = [a, b, c];
        var group = 0;
        var maxStep = UsesFakeTime ? 2500 : (int)(Ttl.TotalMilliseconds * 0.3);
        var length = UsesFakeTime ? 40 : 25;
        await Gen.Select(Gen.Int[0, 2], Gen.Int[0, 3], Gen.Int[0, maxStep]).Array[5, length].SampleAsync(async ops =>
        {
            var name = $"g{group++}";
            var held = new Lease?[3];
            Lease? last = null;
            var lastValidUntil = DateTimeOffset.MinValue;
            var released = false;
            foreach (var (replica, op, millis) in ops)
            {
                var sent = Now;
                switch (op)
                {
                    case 0:
                        var lease = await replicas[replica].TryAcquireAsync(name, $"r{replica}", Ttl);
                        if (lease is not null)
                        {
                            Assert.True(last is null || released || lastValidUntil <= Now, "granted while another lease was valid");
                            Assert.True(last is null || lease.Token > last.Token, "token did not grow");
                            (last, lastValidUntil, released, held[replica]) = (lease, sent + Ttl, false, lease);
                        }

                        break;
                    case 1 when held[replica] is { } mine:
                        if (await replicas[replica].RenewAsync(mine))
                        {
                            Assert.Equal(last, mine);
                            lastValidUntil = sent + Ttl;
                        }

                        break;
                    case 2 when held[replica] is { } mine:
                        await replicas[replica].ReleaseAsync(mine);
                        released |= ReferenceEquals(mine, last);
                        held[replica] = null;
                        break;
                    default:
                        await AdvanceAsync(TimeSpan.FromMilliseconds(millis));
                        break;
                }
            }
        }, iter: PropertyIterations, threads: 1); // one clock for every sample: run them one after another
    }
}
