using Bulwark.Failover;
using Microsoft.Extensions.Time.Testing;

namespace Bulwark.Tests.Failover;

/// <summary>
/// The SQLite coordinator judges expiry on the host's monotonic clock (issue 10, defect 6): a wall-clock step gave two
/// leaders when expiry was judged by the wall clock.
/// </summary>
public sealed class SqliteLeaseClockTests
{
    [Fact]
    public async Task AWallClockStepOnTheSameHost_NeverGivesTwoLeaders()
    {
        using var directory = new TempDirectory();
        var shared = new FakeTimeProvider(new DateTimeOffset(2026, 12, 2, 9, 0, 0, TimeSpan.Zero));
        var first = new SteppedWallClock(shared);
        var second = new SteppedWallClock(shared);
        await using var a = await SqliteLeaseCoordinator.OpenAsync(directory.File("leases.db"), first);
        await using var b = await SqliteLeaseCoordinator.OpenAsync(directory.File("leases.db"), second);
        var lease = await a.TryAcquireAsync("engines", "a", TimeSpan.FromSeconds(2));
        Assert.NotNull(lease);

        second.Step = TimeSpan.FromHours(1); // NTP steps the wall clock forward an hour; the monotonic clock does not move
        Assert.Null(await b.TryAcquireAsync("engines", "b", TimeSpan.FromSeconds(2)));
        first.Step = TimeSpan.FromHours(1);
        Assert.True(await a.RenewAsync(lease));

        shared.Advance(TimeSpan.FromSeconds(2)); // the lease's real end
        Assert.NotNull(await b.TryAcquireAsync("engines", "b", TimeSpan.FromSeconds(2)));
    }

    [Fact]
    public async Task ALeaseOfAnotherBoot_HasExpired()
    {
        using var directory = new TempDirectory();
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 12, 2, 9, 0, 0, TimeSpan.Zero));
        await using (var before = await SqliteLeaseCoordinator.OpenAsync(directory.File("leases.db"), clock, "boot:1", CancellationToken.None))
        {
            Assert.NotNull(await before.TryAcquireAsync("engines", "a", TimeSpan.FromDays(1)));
        }

        // After a reboot the monotonic clock starts again: the old lease's time means nothing, and it is over.
        await using var after = await SqliteLeaseCoordinator.OpenAsync(directory.File("leases.db"), clock, "boot:2", CancellationToken.None);
        var lease = await after.TryAcquireAsync("engines", "b", TimeSpan.FromSeconds(2));
        Assert.Equal(2, lease!.Token.Value);
    }

    /// <summary>A process's view of one host's clocks: the monotonic clock is the host's, the wall clock can be stepped.</summary>
    private sealed class SteppedWallClock(FakeTimeProvider host) : TimeProvider
    {
        public TimeSpan Step { get; set; }

        public override DateTimeOffset GetUtcNow() => host.GetUtcNow() + Step;

        public override long GetTimestamp() => host.GetTimestamp();

        public override long TimestampFrequency => host.TimestampFrequency;
    }

}
