using Bulwark.Trading;

namespace Bulwark.Tests.Contracts;

/// <summary>
/// What every <see cref="IKillSwitchChannel"/> must do, run against each backend with real nodes: a gate, its event
/// log and kill switch each, sharing the switch through the channel. Waits are conditions with deadlines.
/// </summary>
public abstract class KillSwitchChannelContract : IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(15);
    private readonly List<IAsyncDisposable> _owned = [];

    /// <summary>A channel on the shared backend; <paramref name="cuttable"/>: through a link <see cref="CutAsync"/> can sever.</summary>
    protected abstract Task<IKillSwitchChannel> ConnectAsync(bool cuttable = false);

    /// <summary>Severs the cuttable link (a black hole: nothing gets through, nothing is refused).</summary>
    protected abstract Task CutAsync();

    /// <summary>Restores the cuttable link.</summary>
    protected abstract Task HealAsync();

    /// <summary>A reason longer than this backend carries in one change (PostgreSQL's NOTIFY payload, etcd's request size).</summary>
    protected abstract int OversizedReasonLength { get; }

    public virtual Task InitializeAsync() => Task.CompletedTask;

    public virtual async Task DisposeAsync()
    {
        for (var i = _owned.Count - 1; i >= 0; i--)
        {
            await _owned[i].DisposeAsync();
        }
    }

    /// <summary>One node: its own gate, event log and kill switch, replicated through a new channel.</summary>
    protected async Task<Node> StartNodeAsync(bool cuttable = false)
    {
        var options = new RiskGateOptions { EnabledChecks = RiskChecks.MaximumOrderQuantity };
        options.Accounts.Add("A1");
        options.Strategies.Add("S1");
        options.Instruments["XYZ"] = new InstrumentOptions { TickSize = 0.01 };
        options.Firm = new RiskLimits { MaximumOrderQuantity = 100 };
        var gate = new RiskGate(options);
        var store = new MemoryEventStore(); // each node's own log; what is under test is the channel
        var killSwitch = new KillSwitch(gate, store);
        var channel = await ConnectAsync(cuttable);
        _owned.Add(channel);
        using var start = new CancellationTokenSource(Deadline);
        var replication = await KillSwitchReplication.StartAsync(killSwitch, channel, cancellationToken: start.Token);
        _owned.Add(replication);
        return new Node(gate, killSwitch, replication, channel);
    }

    [Fact]
    public async Task EngageOnOneNode_ReachesTheOther_AndSoDoesARelease()
    {
        var a = await StartNodeAsync();
        var b = await StartNodeAsync();
        Assert.True(b.Buy().IsAccepted);
        var cancelled = new TaskCompletionSource<CancelAllRequestedEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        b.KillSwitch.CancelAllRequested += (_, e) => cancelled.TrySetResult(e);

        await a.KillSwitch.EngageAsync(TradingScope.ForAccount("A1"), "alice", "runaway algo");
        await WaitAsync(() => b.KillSwitch.IsEngaged(TradingScope.ForAccount("A1")), "b engaged");
        Assert.Equal(RiskRejectReason.KillSwitchEngaged, b.Buy().Reason);
        var e = await cancelled.Task.WaitAsync(Deadline); // b's engine is told to cancel, as if engaged there
        Assert.Equal(("alice", "runaway algo"), (e.Who, e.Reason));
        Assert.True(b.Cancel().IsAccepted);

        await b.KillSwitch.ReleaseAsync(TradingScope.ForAccount("A1"), "bob", "algo fixed");
        await WaitAsync(() => !a.KillSwitch.IsEngaged(TradingScope.ForAccount("A1")), "a released");
        Assert.True(a.Buy().IsAccepted);
    }

    [Fact]
    public async Task TheSharedState_OutlivesEveryNode_AndANewNodeStartsWithIt()
    {
        var a = await StartNodeAsync();
        await a.KillSwitch.EngageAsync(TradingScope.Firm, "alice", "venue outage");
        await WaitAsync(async () => (await a.Channel.ReadAllAsync()).Any(s => s is { Scope: "firm", Engaged: true }), "published");

        var late = await StartNodeAsync(); // StartAsync returns once the shared state is read
        Assert.True(late.KillSwitch.IsEngaged(TradingScope.Firm));
        Assert.Equal(RiskRejectReason.KillSwitchEngaged, late.Buy().Reason);
    }

    [Fact]
    public async Task ACutOffNode_IsNotLeader_AndReadsWhatItMissedBeforeTradingAgain()
    {
        var a = await StartNodeAsync();
        var b = await StartNodeAsync(cuttable: true);
        Assert.True(b.Buy().IsAccepted);

        await CutAsync();
        await WaitAsync(() => b.Buy().Reason == RiskRejectReason.NotLeader, "b closed while cut off");
        Assert.True(b.Cancel().IsAccepted); // cancels are never blocked
        await a.KillSwitch.EngageAsync(TradingScope.Firm, "alice", "while b was away");

        // a shares its engage in the background: only once the backend has it is it there for b to read on reconnecting
        // (healing first raced a's publish on a loaded machine, and b read the state from before it).
        await WaitAsync(async () => (await a.Channel.ReadAllAsync()).Any(s => s is { Scope: "firm", Engaged: true }), "a's engage shared");
        await HealAsync();
        await WaitAsync(() => b.Replication.InSync, "b back in sync");
        Assert.True(b.KillSwitch.IsEngaged(TradingScope.Firm), "the engage made while b was cut off is read on reconnecting");
        Assert.Equal(RiskRejectReason.KillSwitchEngaged, b.Buy().Reason);
    }

    [Fact]
    public async Task AChangeTheBackendCannotCarry_IsRefusedAsSuch_AndTheNextOneGoesThrough()
    {
        // The kill switch refuses such a reason at its door (at most 1,024 characters); a channel used directly, or a
        // backend with a smaller limit, must still say "refused" (not retried for ever) rather than fail as if cut off.
        var channel = await ConnectAsync();
        _owned.Add(channel);
        var refused = await Assert.ThrowsAsync<KillSwitchChangeRefusedException>(async () =>
            await channel.PublishAsync(new KillSwitchState("firm", true, "alice", new string('x', OversizedReasonLength))));
        Assert.Contains("firm", refused.Message);
        var next = await channel.PublishAsync(new KillSwitchState("firm", true, "alice", "a reason it carries"));
        Assert.True(next.Revision > 0);
        Assert.Contains(await channel.ReadAllAsync(), s => s is { Scope: "firm", Engaged: true, Reason: "a reason it carries" });
    }

    private static Task WaitAsync(Func<bool> condition, string what) => WaitAsync(() => Task.FromResult(condition()), what);

    private static async Task WaitAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = TimeProvider.System.GetTimestamp() + (long)(Deadline.TotalSeconds * TimeProvider.System.TimestampFrequency);
        while (!await condition())
        {
            Assert.True(TimeProvider.System.GetTimestamp() < deadline, $"not within {Deadline.TotalSeconds} s: {what}");
            await Task.Delay(20);
        }
    }

    /// <summary>A node of the installation.</summary>
    protected sealed class Node(RiskGate gate, KillSwitch killSwitch, KillSwitchReplication replication, IKillSwitchChannel channel)
    {
        private long _id;

        public RiskGate Gate { get; } = gate;

        public KillSwitch KillSwitch { get; } = killSwitch;

        public KillSwitchReplication Replication { get; } = replication;

        public IKillSwitchChannel Channel { get; } = channel;

        public RiskDecision Buy()
        {
            var y = Gate.GetSymbolId("XYZ");
            Gate.UpdateReferencePrice(y, 100);
            var order = new OrderRequest(++_id, Gate.GetAccountId("A1"), Gate.GetStrategyId("S1"), y, OrderSide.Buy, 1, 100);
            var decision = Gate.Check(order);
            if (decision.IsAccepted)
            {
                Gate.OnCancel(order.ClientOrderId);
            }

            return decision;
        }

        public RiskDecision Cancel() => Gate.Check(OrderRequest.Cancel(++_id, Gate.GetAccountId("A1"), Gate.GetStrategyId("S1"), Gate.GetSymbolId("XYZ")));
    }
}
