using Bulwark.Failover;
using CsCheck;
using Microsoft.Extensions.Time.Testing;

namespace Bulwark.Tests.Failover;

/// <summary>
/// What every <see cref="ILeaseCoordinator"/> must do, run against each implementation (SQLite here; etcd and
/// PostgreSQL subclass it as they arrive). Time is a <see cref="FakeTimeProvider"/> the implementation is given.
/// </summary>
public abstract class LeaseCoordinatorContract : IAsyncLifetime
{
    protected static readonly TimeSpan Ttl = TimeSpan.FromSeconds(2);

    protected FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 11, 25, 9, 0, 0, TimeSpan.Zero));

    /// <summary>A coordinator on the shared backing store of this test (a second call: another replica on the same store).</summary>
    protected abstract Task<ILeaseCoordinator> ConnectAsync();

    public virtual Task InitializeAsync() => Task.CompletedTask;

    public virtual Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task FirstAcquire_Wins_AndAnotherHolderIsRefusedWhileItIsValid()
    {
        await using var a = await ConnectAsync();
        await using var b = await ConnectAsync();
        var lease = await a.TryAcquireAsync("g", "a", Ttl);
        Assert.NotNull(lease);
        Assert.True(lease.Token.Value > 0);
        Time.Advance(Ttl - TimeSpan.FromMilliseconds(1));
        Assert.Null(await b.TryAcquireAsync("g", "b", Ttl));
        Assert.NotNull(await b.TryAcquireAsync("other-group", "b", Ttl)); // groups are independent
    }

    [Fact]
    public async Task AfterExpiry_AnotherHolderTakesOver_WithALargerToken_AndTheOldOneCannotRenew()
    {
        await using var a = await ConnectAsync();
        await using var b = await ConnectAsync();
        var first = (await a.TryAcquireAsync("g", "a", Ttl))!;
        Time.Advance(Ttl);
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
        Time.Advance(TimeSpan.FromSeconds(1.5));
        Assert.True(await a.RenewAsync(lease));
        Time.Advance(TimeSpan.FromSeconds(1.5));           // 3 s after acquiring, 1.5 s after renewing: still valid
        Assert.True(await a.RenewAsync(lease));
        Time.Advance(Ttl);
        Assert.False(await a.RenewAsync(lease));           // expired, even though nobody took it
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
        Assert.False(await a.RenewAsync(first));
    }

    [Fact]
    public async Task Tokens_KeepGrowing_AcrossReconnects()
    {
        FencingToken last;
        await using (var a = await ConnectAsync())
        {
            last = (await a.TryAcquireAsync("g", "a", Ttl))!.Token;
        }

        Time.Advance(Ttl);
        await using var again = await ConnectAsync();
        Assert.True((await again.TryAcquireAsync("g", "b", Ttl))!.Token > last);
    }

    [Fact]
    public async Task Property_NoTwoValidLeases_AndTokensOnlyGrow()
    {
        // Random acquires, renews, releases and clock moves by three replicas: every grant comes when the previous
        // lease is released or expired, and carries a larger token.
        await using var a = await ConnectAsync();
        await using var b = await ConnectAsync();
        await using var c = await ConnectAsync();
        ILeaseCoordinator[] replicas = [a, b, c];
        var group = 0;
        await Gen.Select(Gen.Int[0, 2], Gen.Int[0, 3], Gen.Int[0, 2500]).Array[5, 40].SampleAsync(async ops =>
        {
            var name = $"g{group++}";
            var held = new Lease?[3];
            Lease? last = null;
            var lastExpires = DateTimeOffset.MinValue;
            var released = false;
            foreach (var (replica, op, millis) in ops)
            {
                switch (op)
                {
                    case 0:
                        var lease = await replicas[replica].TryAcquireAsync(name, $"r{replica}", Ttl);
                        if (lease is not null)
                        {
                            Assert.True(last is null || released || lastExpires <= Time.GetUtcNow(), "granted while another lease was valid");
                            Assert.True(last is null || lease.Token > last.Token, "token did not grow");
                            (last, lastExpires, released, held[replica]) = (lease, Time.GetUtcNow() + Ttl, false, lease);
                        }

                        break;
                    case 1 when held[replica] is { } mine:
                        if (await replicas[replica].RenewAsync(mine))
                        {
                            Assert.Equal(last, mine);
                            lastExpires = Time.GetUtcNow() + Ttl;
                        }

                        break;
                    case 2 when held[replica] is { } mine:
                        await replicas[replica].ReleaseAsync(mine);
                        released |= ReferenceEquals(mine, last);
                        held[replica] = null;
                        break;
                    default:
                        Time.Advance(TimeSpan.FromMilliseconds(millis));
                        break;
                }
            }
        }, iter: 100, threads: 1); // one clock for every sample: run them one after another
    }
}

public sealed class SqliteLeaseCoordinatorTests : LeaseCoordinatorContract, IDisposable
{
    private readonly TempDirectory _dir = new();

    protected override async Task<ILeaseCoordinator> ConnectAsync() =>
        await SqliteLeaseCoordinator.OpenAsync(_dir.File("leases.db"), Time);

    public void Dispose() => _dir.Dispose();
}
