using System.Threading.Channels;
using CsCheck;
using Bulwark.Trading;

namespace Bulwark.Tests.Trading;

/// <summary>The replication's ordering rules, on a channel the test drives (the backends have their own contract suite).</summary>
public sealed class KillSwitchReplicationTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task EveryLocalChangeIsPublishedInOrder_AndAnEchoOfAnOlderOneNeverUndoesANewerLocalOne()
    {
        var trading = new TradingFixture();
        var killSwitch = new KillSwitch(trading.Gate, new TestSupport.InMemoryEventStore());
        var channel = new ScriptedChannel();
        await using var replication = await KillSwitchReplication.StartAsync(killSwitch, channel);
        var firm = TradingScope.Firm;

        await killSwitch.EngageAsync(firm, "alice", "stop");   // published as revision 1, but its answer is held back
        await killSwitch.ReleaseAsync(firm, "alice", "go");    // queued behind it
        await channel.DeliverAsync(new KillSwitchState("firm", true, "alice", "stop") { Revision = 1 }); // the echo of the engage
        Assert.False(killSwitch.IsEngaged(firm)); // the newer local release stands

        channel.AnswerPublishes();
        await WaitAsync(() => channel.Published.Count == 2);
        Assert.Equal([true, false], channel.Published.Select(p => p.Engaged)); // both shared, in order
        await channel.DeliverAsync(new KillSwitchState("firm", false, "alice", "go") { Revision = 2 });
        Assert.False(killSwitch.IsEngaged(firm));

        await channel.DeliverAsync(new KillSwitchState("firm", true, "bob", "from another node") { Revision = 3 });
        await WaitAsync(() => killSwitch.IsEngaged(firm)); // a newer change from elsewhere applies
        Assert.Equal(2, channel.Published.Count);          // and is not published back
    }

    [Fact]
    public async Task ASharedChangeArrivingAsALocalReleaseTakesEffect_NeverUndoesIt()
    {
        var trading = new TradingFixture();
        var killSwitch = new KillSwitch(trading.Gate, new TestSupport.InMemoryEventStore());
        var channel = new ScriptedChannel();
        channel.AnswerPublishes();
        var firm = TradingScope.Firm;
        var raced = false;
        killSwitch.Changed += state =>
        {
            // The local release is on the gate: a newer engage from another node is delivered, and handled in full,
            // before this node goes on. The release is published after it, so the release is the installation's last word.
            if (!state.Engaged && !raced)
            {
                raced = true;
                channel.NumberedUpTo(5);
                Assert.True(Task.Run(() => channel.DeliverAsync(new KillSwitchState("firm", true, "bob", "elsewhere") { Revision = 5 })).Wait(Deadline));
            }
        };
        await using var replication = await KillSwitchReplication.StartAsync(killSwitch, channel);

        await killSwitch.EngageAsync(firm, "alice", "stop");
        await WaitAsync(() => channel.Published.Count == 1);
        await channel.DeliverAsync(channel.Published[0] with { Revision = 1 });
        await killSwitch.ReleaseAsync(firm, "alice", "go");
        await WaitAsync(() => channel.Published.Count == 2);
        Assert.False(channel.Published[1].Engaged);
        await channel.DeliverAsync(channel.Published[1] with { Revision = 6 });

        Assert.True(raced);
        Assert.False(killSwitch.IsEngaged(firm)); // as the shared state's last change says
    }

    [Fact]
    public async Task Stopping_SurvivesADriverWhoseCancellationCallbackFindsItsConnectionDisposed()
    {
        var trading = new TradingFixture();
        var killSwitch = new KillSwitch(trading.Gate, new TestSupport.InMemoryEventStore());
        var channel = new DisposedOnCancelChannel();
        var replication = await KillSwitchReplication.StartAsync(killSwitch, channel);

        await replication.DisposeAsync(); // as Npgsql did once in CI, after a cut-off connection: the stop must still stop

        Assert.True(channel.Stopped);
    }

    [Fact]
    public async Task UntilTheSharedStateIsRead_AndWhileCutOff_TheGateIsNotLeader_ButCancelsPass()
    {
        var trading = new TradingFixture();
        var killSwitch = new KillSwitch(trading.Gate, new TestSupport.InMemoryEventStore());
        var channel = new ScriptedChannel();
        await using var replication = await KillSwitchReplication.StartAsync(killSwitch, channel);
        Assert.True(trading.Check(trading.Buy(1)).IsAccepted);

        channel.Connected(false);
        Assert.Equal(RiskRejectReason.NotLeader, trading.Check(trading.Buy(1)).Reason);
        Assert.True(trading.Check(OrderRequest.Cancel(trading.NextId(), trading.A, trading.S, trading.Y)).IsAccepted);
        channel.Connected(true);
        Assert.True(trading.Check(trading.Buy(1)).IsAccepted);
    }

    private static async Task WaitAsync(Func<bool> condition)
    {
        var deadline = TimeProvider.System.GetTimestamp() + (long)(Deadline.TotalSeconds * TimeProvider.System.TimestampFrequency);
        while (!condition())
        {
            Assert.True(TimeProvider.System.GetTimestamp() < deadline, "condition not met in time");
            await Task.Delay(10);
        }
    }

    /// <summary>A channel whose follow loop, like a driver racing its own cleanup, throws from its cancellation callback.</summary>
    private sealed class DisposedOnCancelChannel : IKillSwitchChannel
    {
        public bool Stopped { get; private set; }

        public ValueTask<KillSwitchState> PublishAsync(KillSwitchState state, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(state with { Revision = 1 });

        public ValueTask<IReadOnlyList<KillSwitchState>> ReadAllAsync(CancellationToken cancellationToken = default) =>
            ValueTask.FromResult<IReadOnlyList<KillSwitchState>>([]);

        public async Task FollowAsync(Func<KillSwitchState, Task> changed, Action<bool> connected, CancellationToken cancellationToken)
        {
            connected(true);
            using var registration = cancellationToken.Register(() => throw new ObjectDisposedException("ManualResetEventSlim"));
            await Task.Delay(Timeout.Infinite, cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default);
            Stopped = true;
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    /// <summary>Publishes are answered only when the test says so; deliveries and connection changes come from the test.</summary>
    [Fact]
    public async Task AChangeTheBackendRefuses_DoesNotBlockLaterOnes_AndTheNodeIsOutOfSyncUntilItsScopeIsSharedAgain()
    {
        // Defect 9 of issue 10: the refused change was retried forever, every later change queued behind it, and the
        // node still reported in sync with its gate open.
        var trading = new TradingFixture();
        var killSwitch = new KillSwitch(trading.Gate, new TestSupport.InMemoryEventStore());
        var channel = new ScriptedChannel { Refuse = s => s.Reason == "refused by the backend" };
        channel.AnswerPublishes();
        await using var replication = await KillSwitchReplication.StartAsync(killSwitch, channel);
        Assert.True(trading.Check(trading.Buy(1)).IsAccepted);

        var account = TradingScope.ForAccount(TradingFixture.Account);
        await killSwitch.EngageAsync(account, "alice", "refused by the backend");
        await killSwitch.EngageAsync(TradingScope.ForSymbol(TradingFixture.OtherSymbol), "alice", "after it");
        await WaitAsync(() => channel.Published.Count == 1);
        Assert.Equal("symbol:ABC", channel.Published[0].Scope); // the later change was shared
        await WaitAsync(() => !replication.InSync);
        Assert.True(killSwitch.IsEngaged(account)); // still in force here
        Assert.Equal(RiskRejectReason.NotLeader, trading.Check(trading.Buy(1, account: trading.A2)).Reason); // out of sync: closed
        Assert.Contains(TradingEventKinds.KillSwitchShareRefused, TradingFixture.DrainKinds(trading.Gate));

        await killSwitch.ReleaseAsync(account, "bob", "shared again");
        await WaitAsync(() => replication.InSync);
        Assert.True(trading.Check(trading.Buy(1, account: trading.A2)).IsAccepted);
    }

    private sealed class ScriptedChannel : IKillSwitchChannel
    {
        private readonly TaskCompletionSource _answer = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly Channel<(KillSwitchState State, TaskCompletionSource Done)> _deliveries = Channel.CreateUnbounded<(KillSwitchState, TaskCompletionSource)>();
        private Action<bool> _connected = _ => { };
        private long _revision;

        public List<KillSwitchState> Published { get; } = [];

        public void AnswerPublishes() => _answer.TrySetResult();

        /// <summary>The backend has numbered changes up to <paramref name="revision"/>: the next publish comes after them.</summary>
        public void NumberedUpTo(long revision)
        {
            lock (Published)
            {
                _revision = Math.Max(_revision, revision);
            }
        }

        public void Connected(bool connected) => _connected(connected);

        public async Task DeliverAsync(KillSwitchState state)
        {
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            await _deliveries.Writer.WriteAsync((state, done));
            await done.Task.WaitAsync(Deadline);
        }

        /// <summary>When set, a change it matches is refused by the "backend" as it stands (never retried).</summary>
        public Func<KillSwitchState, bool>? Refuse { get; set; }

        public async ValueTask<KillSwitchState> PublishAsync(KillSwitchState state, CancellationToken cancellationToken = default)
        {
            await _answer.Task.WaitAsync(cancellationToken);
            if (Refuse?.Invoke(state) == true)
            {
                throw new KillSwitchChangeRefusedException("payload too large");
            }

            lock (Published)
            {
                Published.Add(state);
                return state with { Revision = ++_revision };
            }
        }

        public ValueTask<IReadOnlyList<KillSwitchState>> ReadAllAsync(CancellationToken cancellationToken = default) =>
            ValueTask.FromResult<IReadOnlyList<KillSwitchState>>([]);

        public async Task FollowAsync(Func<KillSwitchState, Task> changed, Action<bool> connected, CancellationToken cancellationToken)
        {
            _connected = connected;
            connected(true);
            await foreach (var (state, done) in _deliveries.Reader.ReadAllAsync(cancellationToken))
            {
                await changed(state);
                done.TrySetResult();
            }
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}

/// <summary>
/// Several nodes sharing one kill switch through an in-memory backend that numbers changes and delivers them to every
/// node in order, each delivery a little late: whatever the interleaving of local engages and releases, once
/// everything is delivered every node agrees with the backend's last change.
/// </summary>
public sealed class KillSwitchReplicationPropertyTests
{
    [Fact]
    public Task Property_AfterQuiescence_EveryNodeHasTheLastSharedState() =>
        Gen.Select(Gen.Int[0, 2], Gen.Bool, Gen.Int[0, 3]).Array[1, 12].SampleAsync(RunAsync, iter: 40, threads: 1);

    private static async Task RunAsync((int Node, bool Engage, int Delay)[] ops)
    {
        var backend = new Backend();
        var nodes = new List<(KillSwitch Switch, KillSwitchReplication Replication)>();
        for (var i = 0; i < 3; i++)
        {
            var trading = new TradingFixture();
            var killSwitch = new KillSwitch(trading.Gate, new TestSupport.InMemoryEventStore());
            nodes.Add((killSwitch, await KillSwitchReplication.StartAsync(killSwitch, backend.Connect())));
        }

        try
        {
            foreach (var (node, engage, delay) in ops)
            {
                var killSwitch = nodes[node].Switch;
                if (engage)
                {
                    await killSwitch.EngageAsync(TradingScope.Firm, $"n{node}", "property");
                }
                else if (killSwitch.IsEngaged(TradingScope.Firm))
                {
                    await killSwitch.ReleaseAsync(TradingScope.Firm, $"n{node}", "property");
                }

                for (var i = 0; i < delay; i++)
                {
                    await Task.Yield();
                }
            }

            // Quiescent: every local change published and every publish delivered to every node.
            var deadline = TimeProvider.System.GetTimestamp() + (10 * TimeProvider.System.TimestampFrequency);
            while (true)
            {
                var last = backend.Last;
                if (backend.Settled && nodes.All(n => n.Switch.IsEngaged(TradingScope.Firm) == (last?.Engaged ?? false)))
                {
                    break;
                }

                Assert.True(TimeProvider.System.GetTimestamp() < deadline,
                    $"not settled: backend {last?.Engaged} (rev {last?.Revision}), nodes {string.Join(",", nodes.Select(n => n.Switch.IsEngaged(TradingScope.Firm)))}; ops {string.Join(" ", ops)}");
                await Task.Delay(5);
            }
        }
        finally
        {
            foreach (var (_, replication) in nodes)
            {
                await replication.DisposeAsync();
            }
        }
    }

    /// <summary>The shared state: numbers each publish, and delivers every publish to every follower, in order, late.</summary>
    private sealed class Backend
    {
        private readonly Lock _sync = new();
        private readonly List<Channel<KillSwitchState>> _followers = [];
        private long _revision;
        private int _undelivered;

        public KillSwitchState? Last { get; private set; }

        public bool Settled
        {
            get
            {
                lock (_sync)
                {
                    return _undelivered == 0;
                }
            }
        }

        public IKillSwitchChannel Connect()
        {
            var inbox = Channel.CreateUnbounded<KillSwitchState>();
            lock (_sync)
            {
                _followers.Add(inbox);
            }

            return new Node(this, inbox);
        }

        private KillSwitchState Publish(KillSwitchState state)
        {
            lock (_sync)
            {
                var published = state with { Revision = ++_revision };
                Last = published;
                foreach (var follower in _followers)
                {
                    _undelivered++;
                    follower.Writer.TryWrite(published);
                }

                return published;
            }
        }

        private void Delivered()
        {
            lock (_sync)
            {
                _undelivered--;
            }
        }

        private sealed class Node(Backend backend, Channel<KillSwitchState> inbox) : IKillSwitchChannel
        {
            public async ValueTask<KillSwitchState> PublishAsync(KillSwitchState state, CancellationToken cancellationToken = default)
            {
                await Task.Yield();
                return backend.Publish(state);
            }

            public ValueTask<IReadOnlyList<KillSwitchState>> ReadAllAsync(CancellationToken cancellationToken = default) =>
                ValueTask.FromResult<IReadOnlyList<KillSwitchState>>(backend.Last is { } last ? [last] : []);

            public async Task FollowAsync(Func<KillSwitchState, Task> changed, Action<bool> connected, CancellationToken cancellationToken)
            {
                connected(true);
                await foreach (var state in inbox.Reader.ReadAllAsync(cancellationToken))
                {
                    await Task.Yield();
                    await changed(state);
                    backend.Delivered();
                }
            }

            public ValueTask DisposeAsync() => ValueTask.CompletedTask;
        }
    }
}
