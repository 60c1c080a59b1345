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

    /// <summary>The clock a lease's validity is judged by from this side: the fake one, or this machine's monotonic one.</summary>
    private TimeProvider Clock => UsesFakeTime ? Time : TimeProvider.System;

    /// <summary>Now, as a timestamp of <see cref="Clock"/>: taken just before a call that starts or extends a term.</summary>
    private long Stamp() => Clock.GetTimestamp();

    /// <summary>
    /// Runs <paramref name="call"/>, whose answer the contract fixes only while a term started or extended by a call sent
    /// at <paramref name="since"/> is certainly still valid. A backend starts counting a term no earlier than the call
    /// was sent, so an answer back within <paramref name="validFor"/> (the TTL unless given) of <paramref name="since"/>
    /// came while the term was valid. On a fake clock that always holds. In real time a stalled machine can answer
    /// later; then the lease may rightly have ended, the run cannot tell, and <see cref="ScenarioAsync"/> runs it again.
    /// </summary>
    private async Task<T> WhileValidAsync<T>(long since, Func<Task<T>> call, TimeSpan? validFor = null)
    {
        var answer = await call();
        var elapsed = Clock.GetElapsedTime(since);
        var valid = validFor ?? Ttl;
        if (elapsed >= valid)
        {
            throw new InconclusiveRunException(
                $"answered {elapsed.TotalMilliseconds:F0} ms after the term began, past its {valid.TotalMilliseconds:F0} ms");
        }

        return answer;
    }

    private Task<T> WhileValidAsync<T>(long since, Func<ValueTask<T>> call, TimeSpan? validFor = null) =>
        WhileValidAsync(since, () => call().AsTask(), validFor);

    /// <summary>
    /// Runs a scenario on a group of its own. A run made inconclusive by the machine stalling past a lease (see
    /// <see cref="WhileValidAsync{T}(long, Func{Task{T}}, TimeSpan?)"/>) runs again on a new group, at most
    /// <see cref="Attempts"/> times in all; any other failure fails at once.
    /// </summary>
    private static async Task ScenarioAsync(Func<string, Task> scenario)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await scenario($"g{attempt}");
                return;
            }
            catch (InconclusiveRunException) when (attempt < Attempts)
            {
            }
        }
    }

    private const int Attempts = 3;

    [Fact]
    public Task FirstAcquire_Wins_AndAnotherHolderIsRefusedWhileItIsValid() => ScenarioAsync(async g =>
    {
        await using var a = await ConnectAsync();
        await using var b = await ConnectAsync();
        var began = Stamp();
        var lease = await a.TryAcquireAsync(g, "a", Ttl);
        Assert.NotNull(lease);
        Assert.True(lease.Token.Value > 0);
        await AdvanceAsync(UsesFakeTime ? Ttl - TimeSpan.FromMilliseconds(1) : Ttl / 4);
        Assert.Null(await WhileValidAsync(began, () => b.TryAcquireAsync(g, "b", Ttl)));
        Assert.Null(await WhileValidAsync(began, () => a.TryAcquireAsync(g, "a", Ttl))); // a new term needs the old one ended, even for its holder
        Assert.NotNull(await b.TryAcquireAsync(g + "-other", "b", Ttl)); // groups are independent
    });

    [Fact]
    public Task AfterExpiry_AnotherHolderTakesOver_WithALargerToken_AndTheOldOneCannotRenew() => ScenarioAsync(async g =>
    {
        await using var a = await ConnectAsync();
        await using var b = await ConnectAsync();
        var first = (await a.TryAcquireAsync(g, "a", Ttl))!;
        await PastExpiryAsync();
        var began = Stamp();
        var second = await b.TryAcquireAsync(g, "b", Ttl);
        Assert.NotNull(second);
        Assert.True(second.Token > first.Token);
        Assert.False(await a.RenewAsync(first));
        Assert.True(await WhileValidAsync(began, () => b.RenewAsync(second)));
    });

    [Fact]
    public Task Renew_ExtendsAValidLease_ButNeverRevivesAnExpiredOne() => ScenarioAsync(async g =>
    {
        await using var a = await ConnectAsync();
        var began = Stamp();
        var lease = (await a.TryAcquireAsync(g, "a", Ttl))!;
        await AdvanceAsync(Ttl * 0.6);
        var renewed = Stamp();
        Assert.True(await WhileValidAsync(began, () => a.RenewAsync(lease)));
        await AdvanceAsync(Ttl * 0.6);                    // 1.2 TTL after acquiring, 0.6 after renewing: still valid
        Assert.True(await WhileValidAsync(renewed, () => a.RenewAsync(lease)));
        await PastExpiryAsync();
        Assert.False(await a.RenewAsync(lease));          // expired, even though nobody took it
    });

    [Fact]
    public Task Release_LetsAnotherHolderTakeOverAtOnce() => ScenarioAsync(async g =>
    {
        await using var a = await ConnectAsync();
        await using var b = await ConnectAsync();
        var first = (await a.TryAcquireAsync(g, "a", Ttl))!;
        await a.ReleaseAsync(first);
        var began = Stamp();
        var second = await b.TryAcquireAsync(g, "b", Ttl);
        Assert.NotNull(second);
        Assert.True(second.Token > first.Token);
        if (KnowsReleases)
        {
            Assert.True(second.Previous is { Holder: "a", Released: true }, $"previous: {second.Previous}");
        }

        Assert.False(await a.RenewAsync(first));
        await a.ReleaseAsync(first); // releasing an old term again changes nothing
        Assert.True(await WhileValidAsync(began, () => b.RenewAsync(second)));
    });

    [Fact]
    public Task Tokens_KeepGrowing_AcrossReconnects() => ScenarioAsync(async g =>
    {
        FencingToken last;
        await using (var a = await ConnectAsync())
        {
            last = (await a.TryAcquireAsync(g, "a", Ttl))!.Token;
        }

        await PastExpiryAsync();
        await using var again = await ConnectAsync();
        Assert.True((await again.TryAcquireAsync(g, "b", Ttl))!.Token > last);
    });

    [Fact]
    public Task Read_ShowsTheTerm_AndAnEndedOneAfterExpiry() => ScenarioAsync(async g =>
    {
        await using var a = await ConnectAsync();
        await using var b = await ConnectAsync();
        Assert.Null(await b.ReadAsync(g));
        var began = Stamp();
        var lease = (await a.TryAcquireAsync(g, "a", Ttl))!;
        var (record, now) = await WhileValidAsync(began, async Task<(LeaseRecord?, DateTimeOffset)> () => (await b.ReadAsync(g), Now));
        Assert.NotNull(record);
        Assert.Equal(("a", lease.Token), (record.Holder, record.Token));
        Assert.True(record.ExpiresAt > now, $"expires {record.ExpiresAt:O}, now {now:O}");
        Assert.Null(record.HandoverTo);
        await PastExpiryAsync();
        var ended = await b.ReadAsync(g);
        Assert.True(ended is null || ended.ExpiresAt <= Now, "an expired lease reads as ended");
    });

    [Fact]
    public Task Successor_KnowsThePreviousTerm_AndItsLastRenewal() => ScenarioAsync(async g =>
    {
        await using var a = await ConnectAsync();
        await using var b = await ConnectAsync();
        var began = Stamp();
        var first = (await a.TryAcquireAsync(g, "a", Ttl))!;
        await AdvanceAsync(Ttl * 0.6);
        var renewedAt = Now;
        var renewed = Stamp();
        Assert.True(await WhileValidAsync(began, () => a.RenewAsync(first)));
        Assert.Null(await WhileValidAsync(renewed, () => b.TryAcquireAsync(g, "b", Ttl))); // a follower trying, as its elector does
        await PastExpiryAsync();
        var second = (await b.TryAcquireAsync(g, "b", Ttl))!;
        Assert.NotNull(second.Previous);
        Assert.Equal(("a", first.Token), (second.Previous.Holder, second.Previous.Token));
        Assert.InRange(second.Previous.LastRenewedAt, renewedAt - TimeSpan.FromMilliseconds(50), Now);
        Assert.False(second.ByHandover);
        Assert.False(second.Previous.Released);
    });

    [Fact]
    public Task Handover_RefusesTheLeadersRenewal_AndOnlyTheTargetTakesOver() => ScenarioAsync(async g =>
    {
        await using var a = await ConnectAsync();
        await using var b = await ConnectAsync();
        await using var c = await ConnectAsync();
        var began = Stamp();
        var first = (await a.TryAcquireAsync(g, "a", Ttl))!;
        var requested = Stamp();
        var standing = Ttl * 5;
        await c.RequestHandoverAsync(g, "b", standing);
        Assert.Equal("b", (await WhileValidAsync(requested, () => c.ReadAsync(g), standing))!.HandoverTo);
        Assert.False(await a.RenewAsync(first));           // the leader resigns first
        Assert.Null(await WhileValidAsync(began, () => b.TryAcquireAsync(g, "b", Ttl))); // not before the leader lets go
        await a.ReleaseAsync(first);
        Assert.Null(await WhileValidAsync(requested, () => c.TryAcquireAsync(g, "c", Ttl), standing)); // reserved for the target
        var taken = Stamp();
        var second = await WhileValidAsync(requested, () => b.TryAcquireAsync(g, "b", Ttl), standing);
        Assert.NotNull(second);
        Assert.True(second.ByHandover);
        Assert.True(second.Token > first.Token);
        Assert.Null((await c.ReadAsync(g))!.HandoverTo); // the target's term ends the request
        Assert.True(await WhileValidAsync(taken, () => b.RenewAsync(second)));
    });

    [Fact]
    public Task Handover_Lapses_ThenAnyoneMayAcquire() => ScenarioAsync(async g =>
    {
        await using var a = await ConnectAsync();
        await using var c = await ConnectAsync();
        var requested = Stamp();
        await a.RequestHandoverAsync(g, "b", Ttl); // nobody leads yet
        Assert.Null(await WhileValidAsync(requested, () => c.TryAcquireAsync(g, "c", Ttl)));
        await PastExpiryAsync();
        var lease = await c.TryAcquireAsync(g, "c", Ttl);
        Assert.NotNull(lease);
        Assert.False(lease.ByHandover);
    });

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

/// <summary>A real-time run that cannot judge the contract: the machine answered after the lease could have ended.</summary>
internal sealed class InconclusiveRunException(string message) : Exception(message);
