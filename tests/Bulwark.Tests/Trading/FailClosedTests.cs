using Bulwark.Failover;
using Bulwark.Tests.TestSupport;
using Bulwark.Trading;
using Microsoft.Extensions.Time.Testing;

namespace Bulwark.Tests.Trading;

/// <summary>
/// Each path by which the trading core let an order through that it had to stop, or lost a kill (issue 10's numbered
/// defects). Every test here failed on the code before its fix; the concurrent ones (2, 3) also have systematic tests
/// in tests/Bulwark.Coyote.Tests that explore their interleavings.
/// </summary>
public sealed class FailClosedTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Defect1_AStoreThatThrows_NeverHoldsBackTheCancelAll_AndTheEngageIsRetriedUntilItIsWritten()
    {
        var f = new TradingFixture();
        var store = new InMemoryEventStore { FailAppendsWith = new IOException("disk full") };
        await using var killSwitch = new KillSwitch(f.Gate, store);
        var working = f.Buy(1);
        Assert.True(f.Check(working).IsAccepted);
        CancelAllRequestedEventArgs? cancelAll = null;
        killSwitch.CancelAllRequested += (_, e) => cancelAll = e;

        var error = await Assert.ThrowsAsync<KillSwitchNotDurableException>(() => killSwitch.EngageAsync(TradingScope.Firm, "alice", "runaway"));
        Assert.IsType<IOException>(error.InnerException);
        Assert.NotNull(cancelAll); // raised before anything was written
        Assert.Contains(working.ClientOrderId, cancelAll.ClientOrderIds);
        Assert.Equal(RiskRejectReason.KillSwitchEngaged, f.Check(f.Buy(1)).Reason);
        Assert.Equal(["firm"], killSwitch.NotDurable.Scopes);
        Assert.Contains("disk full", killSwitch.NotDurable.ToString());

        // No release while the engage is not on the store: a restart would not know it was ever engaged.
        var refused = await Assert.ThrowsAsync<KillSwitchNotDurableException>(() => killSwitch.ReleaseAsync(TradingScope.Firm, "bob", "try"));
        Assert.Contains("not yet durable", refused.Message);

        // The store comes back: the retry writes the engage, and a restart from the store restores it.
        store.FailAppendsWith = null;
        await Eventually.WaitUntilAsync(() =>
        {
            f.Time.Advance(TimeSpan.FromSeconds(1));
            return killSwitch.NotDurable.IsDurable;
        }, Deadline);
        var restarted = new TradingFixture();
        Assert.Single(await new KillSwitch(restarted.Gate, store).RestoreAsync());
        Assert.Equal(RiskRejectReason.KillSwitchEngaged, restarted.Check(restarted.Buy(1)).Reason);
        await killSwitch.ReleaseAsync(TradingScope.Firm, "bob", "reviewed");
        Assert.True(f.Check(f.Buy(1)).IsAccepted);
    }

    [Fact]
    public async Task Defect1_WhileAnEngageIsNotDurable_TheSystemIsCritical_AndItsStatusSaysSo()
    {
        await using var healthy = await HealthyTradingSystem.StartAsync();
        var (system, store) = (healthy.System, healthy.Store);

        store.FailAppend = e => e.Kind.StartsWith(TradingEventKinds.KillSwitchPrefix, StringComparison.Ordinal) ? new IOException("read-only file system") : null;
        await Assert.ThrowsAsync<KillSwitchNotDurableException>(() => system.Trading!.KillSwitch.EngageAsync(TradingScope.Firm, "alice", "stop"));

        await Eventually.WaitUntilAsync(() => system.Manager.SystemState == SafetyState.Critical, Deadline);
        var hold = Assert.Single(system.Manager.GetStatus().Holds);
        Assert.Contains("kill switch engaged, not yet durable: firm", hold);

        store.FailAppend = null;
        await Eventually.WaitUntilAsync(() => system.Manager.SystemState == SafetyState.Healthy, Deadline);
        Assert.Empty(system.Manager.GetStatus().Holds);
        Assert.True(system.Trading!.KillSwitch.IsEngaged(TradingScope.Firm));
    }

    [Fact]
    public async Task AnEngageBeingWritten_DoesNotHoldTheSystem_AndItsReleaseLeavesTheFirmActive()
    {
        // Every engage used to hold the system at Critical for the milliseconds of its write: with the default
        // restoreOnRecovery: false, an engage and release of one symbol's kill switch left the whole firm Reducing.
        await using var healthy = await HealthyTradingSystem.StartAsync();
        var (system, store) = (healthy.System, healthy.Store);
        var trading = system.Trading!;
        var symbol = TradingScope.ForSymbol(TradingFixture.OtherSymbol);

        IReadOnlyList<string>? holdsWhileWriting = null;
        store.FailAppend = e =>
        {
            if (e.Kind == TradingEventKinds.KillSwitchEngaged)
            {
                holdsWhileWriting = system.Manager.GetStatus().Holds;
            }

            return null;
        };
        await trading.KillSwitch.EngageAsync(symbol, "alice", "runaway quotes");
        Assert.NotNull(holdsWhileWriting);
        Assert.Empty(holdsWhileWriting);
        await trading.KillSwitch.ReleaseAsync(symbol, "bob", "reviewed");

        Assert.Equal(SafetyState.Healthy, system.Manager.SystemState);
        Assert.Equal(TradingState.Active, trading.Gate.GetTradingState(TradingScope.Firm));
        Assert.DoesNotContain(store.Events, e => e.Kind == EventKinds.SystemState && e.To == nameof(SafetyState.Critical));
    }

    [Fact]
    public async Task Defect2_AnEngageDuringAReleasesWrite_IsNotUndoneByIt()
    {
        var f = new TradingFixture();
        var store = new HeldStore();
        await using var killSwitch = new KillSwitch(f.Gate, store);
        await killSwitch.EngageAsync(TradingScope.Firm, "alice", "first");

        store.Hold(TradingEventKinds.KillSwitchReleased);
        var release = killSwitch.ReleaseAsync(TradingScope.Firm, "bob", "fixed");
        await store.Held.WaitAsync(Deadline);                     // the release is being written
        var engage = killSwitch.EngageAsync(TradingScope.Firm, "carol", "again");
        store.LetGo();
        await Task.WhenAll(release, engage).WaitAsync(Deadline);

        Assert.True(killSwitch.IsEngaged(TradingScope.Firm));
        Assert.Equal(RiskRejectReason.KillSwitchEngaged, f.Check(f.Buy(1)).Reason);
        Assert.Equal(TradingEventKinds.KillSwitchEngaged, store.Events.Last(e => e.Kind.StartsWith(TradingEventKinds.KillSwitchPrefix, StringComparison.Ordinal)).Kind);
    }

    [Fact]
    public void Defect4_NoOrderOfFillsTakesGrossOrNetExposurePastItsLimit()
    {
        // The sequence: limits 200 x price; short 100; buy A 100 (reserved nothing); buy B 100; B fills first;
        // buy C 200 was accepted, and A and C filled to a long of 300.
        var f = new TradingFixture(o =>
        {
            o.Firm.MaximumGrossExposure = 200 * TradingFixture.ReferencePrice;
            o.Firm.MaximumNetExposure = 200 * TradingFixture.ReferencePrice;
        });
        f.Position(-100);
        var a = f.Buy(100);
        var b = f.Buy(100);
        Assert.True(f.Check(a).IsAccepted);
        Assert.True(f.Check(b).IsAccepted);
        Assert.True(f.Gate.OnFill(b.ClientOrderId, 1, 100, TradingFixture.ReferencePrice));

        var c = f.Buy(200);
        Assert.Equal(RiskRejectReason.MaximumGrossExposure, f.Check(c).Reason); // A could still fill: 300 long
        Assert.True(f.Check(f.Buy(100)).IsAccepted);                             // A and this: 200 long at worst
    }

    [Fact]
    public async Task Defect5_APausedTimer_NeverLeavesTheGateOpenPastTheTermsDeadline()
    {
        var clock = new StarvedTimers(new FakeTimeProvider(new DateTimeOffset(2026, 12, 2, 9, 0, 0, TimeSpan.Zero)));
        var gate = new RiskGate(TradingFixture.DefaultOptions(), clock);
        using var directory = new TempDirectory();
        await using var leases = await SqliteLeaseCoordinator.OpenAsync(directory.File("leases.db"), clock);
        var timing = new LeaderElectorOptions { Ttl = TimeSpan.FromSeconds(2), RenewInterval = TimeSpan.FromMilliseconds(500), SafetyMargin = TimeSpan.FromMilliseconds(500) };
        await using var elector = new LeaderElector(leases, "engines", "a", timing, clock);
        elector.BindTo(gate);
        Assert.True(await elector.StepAsync(CancellationToken.None));
        var y = gate.GetSymbolId(TradingFixture.Symbol);
        gate.UpdateReferencePrice(y, 100);
        Assert.True(gate.Check(new OrderRequest(1, 0, 0, y, OrderSide.Buy, 1, 100)).IsAccepted);

        // No timer callback runs (a starved pool, a paused process) and no step: only the clock moves past the deadline.
        clock.Inner.Advance(timing.Ttl - timing.SafetyMargin);
        gate.UpdateReferencePrice(y, 100);
        Assert.Equal(RiskRejectReason.NotLeader, gate.Check(new OrderRequest(2, 0, 0, y, OrderSide.Buy, 1, 100)).Reason);
    }

    [Fact]
    public void Defect5_AGateAndAnElectorOnDifferentClocks_AreRefused()
    {
        var gate = new RiskGate(TradingFixture.DefaultOptions(), new FakeTimeProvider());
        var elector = new LeaderElector(new NeverCoordinator(), "engines", "a", timeProvider: new FakeTimeProvider());
        var error = Assert.Throws<ArgumentException>(() => elector.BindTo(gate));
        Assert.Contains("same TimeProvider", error.Message);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Defect7_APositionWithoutAFreshMark_MakesTheLossEvaluationFailClosed_NamingTheSymbol(bool everFed)
    {
        var f = new TradingFixture(o => o.EnabledChecks &= ~RiskChecks.PriceCollar, feedReference: everFed);
        f.Gate.UpdateReferencePrice(f.Y, TradingFixture.ReferencePrice);
        f.Position(10);
        f.Position(10, symbol: f.Y2);
        f.Time.Advance(TimeSpan.FromSeconds(6)); // past the 5 s maximum age; the feed is dead
        f.Gate.UpdateReferencePrice(f.Y, TradingFixture.ReferencePrice);
        f.Gate.Evaluate();

        var account = TradingScope.ForAccount(TradingFixture.Account);
        Assert.Equal(TradingState.Reducing, f.Gate.GetTradingState(account));
        Assert.Equal(TradingState.Reducing, f.Gate.GetTradingState(TradingScope.Firm));
        Assert.Equal(TradingState.Active, f.Gate.GetTradingState(TradingScope.ForAccount(TradingFixture.OtherAccount))); // holds nothing stale
        Assert.Equal(RiskRejectReason.ReduceOnly, f.Check(f.Buy(1)).Reason);
        var events = new List<SafetyEvent>();
        while (f.Gate.TryTakeEvent(out var e))
        {
            events.Add(e);
        }

        var cause = events.Last(e => e.Kind == TradingEventKinds.TradingState && e.Subject == account.ToString()).Cause!;
        Assert.Contains(everFed ? "ABC (6 s old, maximum 5 s)" : "ABC (never fed)", cause);

        f.Gate.UpdateReferencePrice(f.Y2, TradingFixture.ReferencePrice); // the feed is back: it was never a breach
        f.Gate.Evaluate();
        Assert.Equal(TradingState.Active, f.Gate.GetTradingState(account));
        Assert.True(f.Check(f.Buy(1)).IsAccepted);
    }

    [Fact]
    public void Defect8_TotalsThatDoNotFit_AreRejected_NeverWrapped()
    {
        var f = new TradingFixture(o =>
        {
            o.Firm = TradingFixture.Generous();
            o.Firm.MaximumOrderQuantity = long.MaxValue;
            o.Firm.MaximumLongPosition = long.MaxValue;
            o.Firm.MaximumOrderNotional = double.MaxValue;
            o.Firm.MaximumGrossExposure = double.MaxValue;
            o.Firm.MaximumNetExposure = double.MaxValue;
            o.Firm.MaximumWorkingNotional = double.MaxValue;
            o.EnabledChecks &= ~RiskChecks.PriceCollar;
            o.Instruments[TradingFixture.OtherSymbol].Multiplier = 1e300;
        });
        const long Huge = 5_000_000_000_000_000_000;
        Assert.True(f.Check(f.Buy(Huge)).IsAccepted);
        Assert.Equal(RiskRejectReason.MaximumLongPosition, f.Check(f.Buy(Huge)).Reason); // 1e19 does not fit in a long

        Assert.Equal(RiskRejectReason.NotionalOverflow, f.Check(f.Sell(Huge, 100.05, symbol: f.Y2)).Reason); // 5e18 x 100 x 1e300
    }

    [Fact]
    public void Defect8_AFillThatWouldOverflowThePosition_IsRefused_AndChangesNothing()
    {
        var f = new TradingFixture(o => o.Firm.MaximumLongPosition = long.MaxValue);
        var order = f.Buy(1);
        Assert.True(f.Check(order).IsAccepted);
        Assert.True(f.Gate.OnFill(order.ClientOrderId, 1, 1, 100));
        Assert.False(f.Gate.OnFill(order.ClientOrderId, 2, long.MaxValue, 100)); // a late overfill that does not fit
        Assert.Equal(1, f.Gate.GetPosition(f.A, f.Y).Position);
        Assert.Contains(TradingEventKinds.FillRefused, TradingFixture.DrainKinds(f.Gate));
    }

    [Theory]
    [InlineData(0.00001, 65000.00001, RiskRejectReason.None)]
    [InlineData(0.00001, 65000.000005, RiskRejectReason.PriceOffTick)] // the old tolerance grew to 6.5 ticks here
    [InlineData(0.01, 1e-12, RiskRejectReason.PriceOffTick)]          // rounded to zero ticks and passed
    [InlineData(0.01, 0.005, RiskRejectReason.PriceOffTick)]
    [InlineData(0.05, 100.05, RiskRejectReason.None)]
    [InlineData(0.05, 100.03, RiskRejectReason.PriceOffTick)]
    [InlineData(0.1, 0.30000000000000004, RiskRejectReason.None)]    // 3 x 0.1 added up in binary: one ulp from 0.3
    [InlineData(0.25, 1e15, RiskRejectReason.PriceOffTick)]          // more ticks than a double can tell apart
    public void Defect8_TickChecksAreExact(double tick, double price, RiskRejectReason expected)
    {
        var f = new TradingFixture(o =>
        {
            o.Instruments[TradingFixture.Symbol].TickSize = tick;
            o.EnabledChecks &= ~RiskChecks.PriceCollar;
            o.Firm.MaximumOrderNotional = double.MaxValue;
            o.Firm.MaximumGrossExposure = double.MaxValue;
            o.Firm.MaximumNetExposure = double.MaxValue;
            o.Firm.MaximumWorkingNotional = double.MaxValue;
        });
        Assert.Equal(expected, f.Check(f.Buy(1, price)).Reason);
    }

    [Theory]
    [InlineData(0.0000000001)] // ten places
    [InlineData(1.0 / 3)]
    public void Defect8_ATickSizeThatIsNoShortDecimal_IsRefusedAtConfiguration(double tick)
    {
        var options = TradingFixture.DefaultOptions();
        options.Instruments[TradingFixture.Symbol].TickSize = tick;
        var error = Assert.Throws<BulwarkOptionsException>(() => new RiskGate(options));
        Assert.Contains(error.Errors, e => e.Path == "trading.instruments[XYZ].tickSize" && e.Message.Contains("at most 9 places", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(9000, "at most 1024 characters")]
    [InlineData(0, "control character U+0000")]
    [InlineData(-1, "control character U+000A")]
    public async Task Defect9_AKillSwitchReasonTheSharedBackendCouldNotCarry_IsRefusedAtTheSwitch(int length, string message)
    {
        var f = new TradingFixture();
        await using var killSwitch = new KillSwitch(f.Gate, new InMemoryEventStore());
        var reason = length switch { 0 => "bad\0byte", -1 => "two\nlines", _ => new string('x', length) };
        var error = await Assert.ThrowsAsync<ArgumentException>(() => killSwitch.EngageAsync(TradingScope.Firm, "alice", reason));
        Assert.Contains(message, error.Message);
        Assert.Equal("reason", error.ParamName);
        Assert.False(killSwitch.IsEngaged(TradingScope.Firm));
        await Assert.ThrowsAsync<ArgumentException>(() => killSwitch.EngageAsync(TradingScope.Firm, new string('w', 129), "ok"));
    }

    [Fact]
    public void Defect10_TheOptionsReturned_AreACopy_ALiveBreakerCannotBeChangedThroughThem()
    {
        var f = new TradingFixture(o => { o.CircuitBreaker.ConsecutiveVenueErrors = 5; o.CircuitBreaker.MinimumThroughput = 1000; });
        var copy = f.Gate.GetOptions();
        copy.CircuitBreaker.ConsecutiveVenueErrors = 1; // without ApplyLimits: no validation, no audit

        var order = f.Buy(1);
        Assert.True(f.Check(order).IsAccepted);
        f.Gate.OnReject(order.ClientOrderId, venueError: true);
        Assert.Equal(CircuitBreakerState.Closed, f.Gate.Breaker.State);
        Assert.Equal(5, f.Gate.GetOptions().CircuitBreaker.ConsecutiveVenueErrors);
    }

    /// <summary>An event store whose append of one kind waits until let go (a slow disk in the middle of a write).</summary>
    /// <summary>A started safety system with trading, on an in-memory store, watching one TCP gateway, and Healthy.</summary>
    private sealed class HealthyTradingSystem : IAsyncDisposable
    {
        private readonly TempDirectory _directory;
        private readonly System.Net.Sockets.TcpListener _listener;

        private HealthyTradingSystem(TempDirectory directory, System.Net.Sockets.TcpListener listener, SafetySystem system, InMemoryEventStore store) =>
            (_directory, _listener, System, Store) = (directory, listener, system, store);

        public SafetySystem System { get; }

        public InMemoryEventStore Store { get; }

        public static async Task<HealthyTradingSystem> StartAsync()
        {
            var directory = new TempDirectory();
            var (listener, port) = TestSystems.Listen();
            var options = TestSystems.GatewayOverTcp(directory.Path, port);
            options.Trading = TradingFixture.DefaultOptions();
            var store = new InMemoryEventStore();
            var healthy = new HealthyTradingSystem(directory, listener, SafetySystem.Create(options, eventStore: store), store);
            try
            {
                await healthy.System.StartAsync();
                await Eventually.WaitUntilAsync(() => healthy.System.Manager.SystemState == SafetyState.Healthy, Deadline);
                return healthy;
            }
            catch
            {
                await healthy.DisposeAsync();
                throw;
            }
        }

        public async ValueTask DisposeAsync()
        {
            await System.DisposeAsync();
            _listener.Dispose();
            _directory.Dispose();
        }
    }

    private sealed class HeldStore : IEventStore
    {
        private readonly InMemoryEventStore _inner = new();
        private readonly TaskCompletionSource _held = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _letGo = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private string? _kind;

        public Task Held => _held.Task;

        public IReadOnlyList<SafetyEvent> Events => _inner.Events;

        public void Hold(string kind) => _kind = kind;

        public void LetGo() => _letGo.TrySetResult();

        public async ValueTask<long> AppendAsync(SafetyEvent safetyEvent, CancellationToken cancellationToken = default)
        {
            if (safetyEvent.Kind == _kind)
            {
                _held.TrySetResult();
                await _letGo.Task.WaitAsync(cancellationToken);
            }

            return await _inner.AppendAsync(safetyEvent, cancellationToken);
        }

        public ValueTask<IReadOnlyList<SafetyEvent>> ReadAsync(EventQuery query, CancellationToken cancellationToken = default) => _inner.ReadAsync(query, cancellationToken);

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    /// <summary>A clock whose timers never fire: a starved thread pool, or a process paused past every deadline.</summary>
    private sealed class StarvedTimers(FakeTimeProvider inner) : TimeProvider
    {
        public FakeTimeProvider Inner { get; } = inner;

        public override DateTimeOffset GetUtcNow() => Inner.GetUtcNow();

        public override long GetTimestamp() => Inner.GetTimestamp();

        public override long TimestampFrequency => Inner.TimestampFrequency;

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) => new Never();

        private sealed class Never : ITimer
        {
            public bool Change(TimeSpan dueTime, TimeSpan period) => true;

            public void Dispose()
            {
            }

            public ValueTask DisposeAsync() => ValueTask.CompletedTask;
        }
    }

    private sealed class NeverCoordinator : ILeaseCoordinator
    {
        public ValueTask<Lease?> TryAcquireAsync(string group, string holder, TimeSpan ttl, CancellationToken cancellationToken = default) => ValueTask.FromResult<Lease?>(null);

        public ValueTask<bool> RenewAsync(Lease lease, CancellationToken cancellationToken = default) => ValueTask.FromResult(false);

        public ValueTask ReleaseAsync(Lease lease, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

        public ValueTask<LeaseRecord?> ReadAsync(string group, CancellationToken cancellationToken = default) => ValueTask.FromResult<LeaseRecord?>(null);

        public ValueTask RequestHandoverAsync(string group, string target, TimeSpan window, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
