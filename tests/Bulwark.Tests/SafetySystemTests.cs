using Bulwark.Tests.TestSupport;
using Microsoft.Data.Sqlite;

namespace Bulwark.Tests;

public sealed class SafetySystemTests : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private readonly TempDirectory _dir = new();

    private BulwarkOptions Options(int port) => TestSystems.GatewayOverTcp(_dir.Path, port, failureThreshold: 2);

    [Fact]
    public async Task EventLog_SurvivesDisposingAndRecreatingTheSystemOnTheSameFile()
    {
        var (listener, port) = TestSystems.Listen();

        await using (var first = SafetySystem.Create(Options(port)))
        {
            await first.StartAsync();
            await Eventually.WaitUntilAsync(() => first.Manager.GetState("gateway") == SafetyState.Healthy, Deadline, "gateway healthy");
            listener.Stop();
            await Eventually.WaitUntilAsync(() => first.Manager.GetState("gateway") == SafetyState.Failed, Deadline, "gateway failed");
        }

        SqliteConnection.ClearAllPools();
        await using var second = SafetySystem.Create(Options(port));
        await second.StartAsync();
        var events = await second.Events.ReadAsync(new EventQuery());

        Assert.Equal(
            [EventKinds.Started, "gateway Unknown->Healthy", "gateway Healthy->Failed", EventKinds.Stopped, EventKinds.Started],
            events.Select(Describe).Where(d => !d.StartsWith("system", StringComparison.Ordinal)));
        Assert.Equal(events.Select(e => e.Sequence).Order(), events.Select(e => e.Sequence));
        Assert.Equal(Path.Combine(_dir.Path, BulwarkDefaults.DatabaseFileName), second.DatabasePath);
    }

    [Fact]
    public void Create_WithInvalidOptions_ReportsEveryErrorAndStartsNothing()
    {
        var options = new BulwarkOptions { AvailabilityTarget = 1.5, CheckIntervalSeconds = 0, DataDirectory = _dir.Path };
        var error = Assert.Throws<BulwarkOptionsException>(() => SafetySystem.Create(options));
        Assert.Contains(error.Errors, e => e.Path == "availabilityTarget");
        Assert.Contains(error.Errors, e => e.Path == "checkIntervalSeconds");
        Assert.Contains(error.Errors, e => e.Path == "components");
        Assert.False(File.Exists(Path.Combine(_dir.Path, BulwarkDefaults.DatabaseFileName)));
    }

    [Fact]
    public async Task Transitioned_SubscribedBeforeStart_SeesTheFirstTransition()
    {
        var (listener, port) = TestSystems.Listen();
        try
        {
            await using var system = SafetySystem.Create(Options(port));
            var healthy = new TaskCompletionSource<SafetyEvent>(TaskCreationOptions.RunContinuationsAsynchronously);
            system.Transitioned += e =>
            {
                if (e.Subject == "gateway" && e.To == "Healthy")
                {
                    healthy.TrySetResult(e);
                }
            };
            await system.StartAsync();
            var e = await healthy.Task.WaitAsync(Deadline);
            Assert.Equal("Unknown", e.From);
            Assert.True(e.Sequence > 0);
        }
        finally
        {
            listener.Stop();
        }
    }

    [Fact]
    public async Task Trading_ConfiguredGate_IsHaltedWhenACriticalComponentFails()
    {
        var (listener, port) = TestSystems.Listen();
        var options = Options(port);
        options.Trading = Bulwark.Tests.Trading.TradingFixture.DefaultOptions();
        await using var system = SafetySystem.Create(options);
        await system.StartAsync();
        var gate = system.Trading!.Gate;
        var (a, s, y) = (gate.GetAccountId("A1"), gate.GetStrategyId("S1"), gate.GetSymbolId("XYZ"));
        gate.UpdateReferencePrice(y, 100);
        var id = 1L;
        Bulwark.Trading.RiskDecision Buy()
        {
            gate.UpdateReferencePrice(y, 100); // fed as a price feed would: fed once, it goes stale (5 s) on a slow start
            return gate.Check(new Bulwark.Trading.OrderRequest(id++, a, s, y, Bulwark.Trading.OrderSide.Buy, 1, 100));
        }

        // Held from the start until the first evidence (UntilTheSystemStateIsFirstKnown_TradingIsHeld): the hold
        // lifts when the Healthy transition is recorded, a moment after the state itself reads Healthy.
        await Eventually.WaitUntilAsync(() => Buy().IsAccepted, Deadline, "trading allowed once the system is known healthy");
        Assert.Equal(SafetyState.Healthy, system.Manager.SystemState);

        listener.Stop();
        await Eventually.WaitUntilAsync(() => system.Manager.SystemState == SafetyState.Failed, Deadline, "system failed");
        await Eventually.WaitUntilAsync(() => Buy().Reason == Bulwark.Trading.RiskRejectReason.TradingHalted, Deadline, "trading halted");
    }

    private static string Describe(SafetyEvent e) => e.From is null || e.To is null || e.Kind is EventKinds.Started or EventKinds.Stopped
        ? e.Kind
        : $"{e.Subject} {e.From}->{e.To}";

    public void Dispose() => _dir.Dispose();
}
