using Bulwark.Failover;
using Bulwark.Tests.TestSupport;
using Microsoft.Extensions.Time.Testing;

namespace Bulwark.Tests.Failover;

public sealed class LeaderElectorTests : IAsyncLifetime, IDisposable
{
    private static readonly LeaderElectorOptions Timing = new()
    {
        Ttl = TimeSpan.FromSeconds(2),
        RenewInterval = TimeSpan.FromMilliseconds(500),
        SafetyMargin = TimeSpan.FromMilliseconds(500),
    };

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 25, 9, 0, 0, TimeSpan.Zero));
    private readonly TempDirectory _dir = new();
    private ILeaseCoordinator _store = null!;

    public async Task InitializeAsync() => _store = await SqliteLeaseCoordinator.OpenAsync(_dir.File("leases.db"), _time);

    public async Task DisposeAsync() => await _store.DisposeAsync();

    private LeaderElector Elector(string name, ILeaseCoordinator? coordinator = null) =>
        new(coordinator ?? _store, "engines", name, Timing, _time);

    [Fact]
    public async Task Acquires_ThenLeadsWhileRenewing_WithTheTermsToken()
    {
        await using var a = Elector("a");
        var changes = new List<LeadershipChange>();
        a.Changed += changes.Add;
        Assert.False(a.IsLeader);
        Assert.True(a.LeadershipToken.IsCancellationRequested);

        Assert.True(await a.StepAsync(CancellationToken.None));
        Assert.True(a.IsLeader);
        var token = a.Token;
        for (var i = 0; i < 10; i++)
        {
            _time.Advance(Timing.RenewInterval);
            Assert.True(await a.StepAsync(CancellationToken.None));
        }

        Assert.True(a.IsLeader);
        Assert.Equal(token, a.Token);
        Assert.False(a.LeadershipToken.IsCancellationRequested);
        Assert.Equal([true], changes.Select(c => c.IsLeader));
    }

    [Fact]
    public async Task APausedLeader_StopsAtItsOwnDeadline_AndTheSuccessorHasALargerToken()
    {
        await using var a = Elector("a");
        await using var b = Elector("b");
        Assert.True(await a.StepAsync(CancellationToken.None));
        var leadership = a.LeadershipToken;
        var first = a.Token!.Value;

        // a is paused (no step runs) for longer than its lease: by its own clock it is no longer leader at
        // ttl - margin, before the lease even expires, and its leadership token is cancelled by the timer.
        _time.Advance(Timing.Ttl - Timing.SafetyMargin);
        Assert.False(a.IsLeader);
        Assert.Null(a.Token);
        Assert.True(leadership.IsCancellationRequested);

        Assert.False(await b.StepAsync(CancellationToken.None)); // the lease itself is still valid
        _time.Advance(Timing.SafetyMargin);
        Assert.True(await b.StepAsync(CancellationToken.None));
        Assert.True(b.Token!.Value > first);

        // a wakes up: its next step sees the deadline passed; it does not lead, and its term is over.
        Assert.False(await a.StepAsync(CancellationToken.None));
        Assert.False(a.IsLeader);
        Assert.True(b.IsLeader);
    }

    [Fact]
    public async Task CoordinatorUnreachable_MeansNotLeader_AtOnce()
    {
        var flaky = new FlakyCoordinator(_store);
        await using var a = Elector("a", flaky);
        var changes = new List<LeadershipChange>();
        a.Changed += changes.Add;
        Assert.True(await a.StepAsync(CancellationToken.None));
        var leadership = a.LeadershipToken;

        flaky.Broken = true;
        _time.Advance(Timing.RenewInterval);
        Assert.False(await a.StepAsync(CancellationToken.None));
        Assert.False(a.IsLeader);
        Assert.True(leadership.IsCancellationRequested);
        Assert.StartsWith("coordinator unreachable", changes[^1].Reason);

        // Still unreachable: it does not become leader again.
        _time.Advance(Timing.RetryInterval);
        Assert.False(await a.StepAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Stop_ResignsSoASuccessorNeedNotWait()
    {
        await using var b = Elector("b");
        var a = Elector("a");
        Assert.True(await a.StepAsync(CancellationToken.None));
        await a.StopAsync();
        Assert.False(a.IsLeader);
        Assert.True(await b.StepAsync(CancellationToken.None)); // no waiting for the lease to expire
    }

    [Fact]
    public async Task Switchover_TheLeaderResignsAtItsNextRenewal_AndTheTargetTakesOverWithoutWaitingForExpiry()
    {
        await using var a = new LeaderElector(_store, "g", "a", Timing, _time);
        await using var b = new LeaderElector(_store, "g", "b", Timing, _time);
        await using var c = new LeaderElector(_store, "g", "c", Timing, _time);
        var gained = new List<LeadershipChange>();
        b.Changed += change => gained.Add(change);
        Assert.True(await a.StepAsync(CancellationToken.None));
        var old = a.Token!.Value;

        await _store.RequestHandoverAsync("g", "b", TimeSpan.FromSeconds(10));
        Assert.False(await a.StepAsync(CancellationToken.None)); // renewal refused: a resigns and releases
        Assert.False(a.IsLeader);
        Assert.False(await c.StepAsync(CancellationToken.None)); // reserved for b
        Assert.True(await b.StepAsync(CancellationToken.None));  // no clock moved: a released, nothing expired
        var change = Assert.Single(gained);
        Assert.Equal("lease handed over", change.Reason);
        Assert.True(change.Lease!.ByHandover);
        Assert.Equal(("a", old), (change.Lease.Previous!.Holder, change.Lease.Previous.Token));
        Assert.True(b.Token > old);
    }

    [Fact]
    public async Task Stopping_WhileACoordinatorCallIsInFlight_StopsQuietly()
    {
        var coordinator = new FlakyCoordinator(_store) { Hanging = true };
        var a = Elector("a", coordinator);
        await a.StartAsync();
        await coordinator.Entered.Task.WaitAsync(TimeSpan.FromSeconds(10)); // the acquire is on its way

        await a.StopAsync(); // its cancellation ends the call: a stop, not an error

        Assert.False(a.IsLeader);
    }

    /// <summary>
    /// An engine reads <see cref="LeaderElector.LeadershipToken"/> on every order, from its own thread, while the
    /// elector may be ending the term: the read must give a token (cancelled or not), never throw. (It read the
    /// term's source after the loss had disposed it, and the engine died of ObjectDisposedException.)
    /// </summary>
    [Fact]
    public async Task LeadershipToken_ReadWhileTheTermEnds_NeverThrows()
    {
        var flaky = new FlakyCoordinator(_store);
        await using var a = Elector("a", flaky);
        var failures = 0;
        for (var term = 0; term < 100 && failures == 0; term++)
        {
            flaky.Broken = false;
            _time.Advance(Timing.Ttl); // the previous term's lease has expired
            Assert.True(await a.StepAsync(CancellationToken.None));
            using var lost = new CancellationTokenSource();
            var reading = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var reader = Task.Run(() =>
            {
                for (var i = 0; i < 1_000_000 && !lost.IsCancellationRequested; i++)
                {
                    try
                    {
                        _ = a.LeadershipToken.IsCancellationRequested;
                        reading.TrySetResult();
                    }
                    catch (ObjectDisposedException)
                    {
                        Interlocked.Increment(ref failures);
                        return;
                    }
                }
            });

            await reading.Task.WaitAsync(TimeSpan.FromSeconds(30)); // the engine is reading
            flaky.Broken = true;
            Assert.False(await a.StepAsync(CancellationToken.None)); // unreachable: the term ends now
            await lost.CancelAsync();
            await reader.WaitAsync(TimeSpan.FromSeconds(30));
        }

        Assert.Equal(0, failures);
    }

    [Fact]
    public void Options_RenewMustFitInTheLeaseLessItsMargin() =>
        Assert.Throws<ArgumentException>(() => new LeaderElector(_store, "g", "a",
            new LeaderElectorOptions { Ttl = TimeSpan.FromSeconds(1), SafetyMargin = TimeSpan.FromMilliseconds(500), RenewInterval = TimeSpan.FromMilliseconds(600) }, _time));

    public void Dispose() => _dir.Dispose();

    private sealed class FlakyCoordinator(ILeaseCoordinator inner) : ILeaseCoordinator
    {
        public bool Broken { get; set; }

        /// <summary>Every acquire hangs until cancelled, as a call to a coordinator that does not answer.</summary>
        public bool Hanging { get; set; }

        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async ValueTask<Lease?> TryAcquireAsync(string group, string holder, TimeSpan ttl, CancellationToken cancellationToken = default)
        {
            if (Hanging)
            {
                Entered.TrySetResult();
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }

            return Broken ? throw new IOException("connection refused") : await inner.TryAcquireAsync(group, holder, ttl, cancellationToken);
        }

        public ValueTask<bool> RenewAsync(Lease lease, CancellationToken cancellationToken = default) =>
            Broken ? throw new IOException("connection refused") : inner.RenewAsync(lease, cancellationToken);

        public ValueTask ReleaseAsync(Lease lease, CancellationToken cancellationToken = default) => inner.ReleaseAsync(lease, cancellationToken);

        public ValueTask<LeaseRecord?> ReadAsync(string group, CancellationToken cancellationToken = default) => inner.ReadAsync(group, cancellationToken);

        public ValueTask RequestHandoverAsync(string group, string target, TimeSpan window, CancellationToken cancellationToken = default) =>
            inner.RequestHandoverAsync(group, target, window, cancellationToken);

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}

/// <summary>Real clocks, real loops, one SQLite file, three connections: never two leaders at once.</summary>
public sealed class LeaderElectorContentionTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    [Fact]
    public async Task ThreeReplicas_NeverTwoLeadersAtOnce_AndTokensGrowAcrossHandovers()
    {
        var timing = new LeaderElectorOptions
        {
            Ttl = TimeSpan.FromSeconds(1),
            RenewInterval = TimeSpan.FromMilliseconds(200),
            RetryInterval = TimeSpan.FromMilliseconds(50),
            SafetyMargin = TimeSpan.FromMilliseconds(300),
        };
        var coordinators = new List<ILeaseCoordinator>();
        var electors = new List<LeaderElector>();
        for (var i = 0; i < 3; i++)
        {
            coordinators.Add(await SqliteLeaseCoordinator.OpenAsync(_dir.File("leases.db")));
            electors.Add(new LeaderElector(coordinators[i], "engines", $"replica-{i}", timing));
        }

        var tokens = new List<long>();
        foreach (var elector in electors)
        {
            elector.Changed += change =>
            {
                if (change.IsLeader)
                {
                    lock (tokens)
                    {
                        tokens.Add(change.Token!.Value.Value);
                    }
                }
            };
            await elector.StartAsync();
        }

        try
        {
            // Sample for at most 4 s (bounded); make the leader resign twice to force handovers.
            var deadline = TimeProvider.System.GetTimestamp() + (4 * TimeProvider.System.TimestampFrequency);
            var resignations = 0;
            var samples = 0;
            while (TimeProvider.System.GetTimestamp() < deadline)
            {
                var leaders = electors.Where(e => e.IsLeader).ToList();
                Assert.True(leaders.Count <= 1, $"{leaders.Count} leaders at once");
                samples++;
                if (leaders.Count == 1 && resignations < 2 && samples >= 100 * (resignations + 1))
                {
                    await leaders[0].StopAsync();
                    await leaders[0].StartAsync();
                    resignations++;
                }

                await Task.Delay(TimeSpan.FromMilliseconds(2));
            }

            Assert.Equal(2, resignations);
            lock (tokens)
            {
                Assert.True(tokens.Count >= 3, $"only {tokens.Count} terms");
                Assert.Equal(tokens.Order(), tokens);
                Assert.Equal(tokens.Distinct().Count(), tokens.Count);
            }
        }
        finally
        {
            foreach (var elector in electors)
            {
                await elector.DisposeAsync();
            }

            foreach (var coordinator in coordinators)
            {
                await coordinator.DisposeAsync();
            }
        }
    }

    public void Dispose() => _dir.Dispose();
}
