using Bulwark.Tests.TestSupport;

namespace Bulwark.Tests.Health;

/// <summary>The check loops, on the real clock: concurrency, timeouts, exceptions.</summary>
public sealed class CheckSchedulingTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    private static ManagerHarness Start(BulwarkOptions options, InMemoryEventStore store)
    {
        var harness = new ManagerHarness(options, store, TimeProvider.System);
        return harness;
    }

    [Fact]
    public async Task HangingCheck_DoesNotDelayTheOthers_AndFailsAtItsTimeout()
    {
        var options = ManagerHarness.Options(failureThreshold: 1, successThreshold: 1,
            ("slow", Criticality.Standard, ["hang"]),
            ("fast", Criticality.Standard, ["quick"]));
        options.Components[0].Checks[0].TimeoutSeconds = 3;
        options.Components[0].Checks[0].IntervalSeconds = 60;
        var store = new InMemoryEventStore();
        await using var h = Start(options, store);
        h.Probes["slow/hang"].Mode = ScriptedProbeMode.Hang;

        await h.Manager.StartAsync(CancellationToken.None);

        // While the hanging run is still within its 3 s timeout, the fast check keeps running.
        await Eventually.WaitUntilAsync(() => h.Probes["fast/quick"].Runs >= 5, Deadline, "fast check ran 5 times");
        var slow = h.Manager.GetStatus().Components[0].Checks[0];
        Assert.Null(slow.LastStatus);
        Assert.Equal(1, h.Probes["slow/hang"].Runs);

        // Then the hanging run is cut at its timeout and counts as a failure.
        await Eventually.WaitUntilAsync(() => h.Manager.GetState("slow") == SafetyState.Failed, Deadline, "slow failed");
        var failed = h.Manager.GetStatus().Components[0].Checks[0];
        Assert.Equal(CheckStatus.Unhealthy, failed.LastStatus);
        Assert.Equal("timed out after 3 s", failed.LastDescription);
        Assert.Equal(SafetyState.Healthy, h.Manager.GetState("fast"));
    }

    [Fact]
    public async Task ThrowingCheck_IsAFailure_WithTheExceptionRecorded()
    {
        var options = ManagerHarness.Options(failureThreshold: 2, successThreshold: 1, ("svc", Criticality.Critical, ["boom"]));
        var store = new InMemoryEventStore();
        await using var h = Start(options, store);
        h.Probes["svc/boom"].Mode = ScriptedProbeMode.Throw;

        await h.Manager.StartAsync(CancellationToken.None);
        await Eventually.WaitUntilAsync(() => h.Manager.GetState("svc") == SafetyState.Failed, Deadline, "svc failed");

        var check = h.Manager.GetStatus().Components[0].Checks[0];
        Assert.Contains("InvalidOperationException", check.LastDescription);
        Assert.Contains("scripted exception", check.LastException);
        var transition = store.Events.Single(e => e.Subject == "svc" && e.To == "Failed");
        Assert.Contains("scripted exception", transition.Evidence);
    }

    [Fact]
    public async Task ProbeIgnoringCancellation_IsNotStartedAgainWhileItHangs()
    {
        var options = ManagerHarness.Options(failureThreshold: 2, successThreshold: 1, ("svc", Criticality.Critical, ["stuck"]));
        options.Components[0].Checks[0].TimeoutSeconds = 0.1;
        var store = new InMemoryEventStore();
        await using var h = Start(options, store);
        h.Probes["svc/stuck"].Mode = ScriptedProbeMode.Hang;
        h.Probes["svc/stuck"].IgnoreCancellation = true;

        await h.Manager.StartAsync(CancellationToken.None);
        await Eventually.WaitUntilAsync(
            () => h.Manager.GetStatus().Components[0].Checks[0].LastDescription?.StartsWith("previous run still going", StringComparison.Ordinal) == true,
            Deadline,
            "later runs report the hung one");

        Assert.Equal(1, h.Probes["svc/stuck"].Runs);
        Assert.Equal(SafetyState.Failed, h.Manager.GetState("svc"));
    }

    [Fact]
    public async Task Stop_RecordsStartAndStop_AndWritesAFinalStatus()
    {
        var options = ManagerHarness.Options(failureThreshold: 1, successThreshold: 1, ("svc", Criticality.Critical, ["ok"]));
        var store = new InMemoryEventStore();
        var h = Start(options, store);
        await h.Manager.StartAsync(CancellationToken.None);
        await Eventually.WaitUntilAsync(() => h.Manager.GetState("svc") == SafetyState.Healthy, Deadline, "svc healthy");
        await h.DisposeAsync();

        Assert.Equal(EventKinds.Started, store.Events[0].Kind);
        Assert.Equal(EventKinds.Stopped, store.Events[^1].Kind);
        var status = await store.ReadStatusAsync();
        Assert.NotNull(status);
        Assert.Equal(SafetyState.Healthy, status.Components[0].State);
    }
}
