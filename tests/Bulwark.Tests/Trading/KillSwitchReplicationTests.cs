using System.Threading.Channels;
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

    /// <summary>Publishes are answered only when the test says so; deliveries and connection changes come from the test.</summary>
    private sealed class ScriptedChannel : IKillSwitchChannel
    {
        private readonly TaskCompletionSource _answer = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly Channel<(KillSwitchState State, TaskCompletionSource Done)> _deliveries = Channel.CreateUnbounded<(KillSwitchState, TaskCompletionSource)>();
        private Action<bool> _connected = _ => { };
        private long _revision;

        public List<KillSwitchState> Published { get; } = [];

        public void AnswerPublishes() => _answer.TrySetResult();

        public void Connected(bool connected) => _connected(connected);

        public async Task DeliverAsync(KillSwitchState state)
        {
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            await _deliveries.Writer.WriteAsync((state, done));
            await done.Task.WaitAsync(Deadline);
        }

        public async ValueTask<KillSwitchState> PublishAsync(KillSwitchState state, CancellationToken cancellationToken = default)
        {
            await _answer.Task.WaitAsync(cancellationToken);
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
