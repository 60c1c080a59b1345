using System.Globalization;
using Bulwark.Health.Checks;
using Bulwark.Recovery;
using Bulwark.Tests.TestSupport;

namespace Bulwark.Tests.Recovery;

/// <summary>The supervisor with real child processes: exits seen at once, restarts with new pids, crash loops, graceful stops, scale.</summary>
public sealed class ProcessSupervisionTests
{
    [Fact]
    public async Task KilledChild_IsRestartedWithANewPid_AndValidatedHealthy()
    {
        await using var harness = new RecoveryHarness();
        harness.Process("worker", "exec sleep 300");
        var recovery = await harness.StartAsync();
        await Eventually.WaitUntilAsync(() => harness.System!.Manager.GetState("worker") == SafetyState.Healthy, TimeSpan.FromSeconds(20), "worker Healthy");
        var before = Pid(recovery, "worker");

        Assert.True(Posix.TrySignal(before, Signals.Kill, out _));

        await harness.WaitForAsync(RecoveryEventKinds.Succeeded);
        var after = Pid(recovery, "worker");
        Assert.NotEqual(before, after);
        Assert.True(ProcessTable.Inspect(after) is { Exited: false });
        var failed = Assert.Single(harness.Events(RecoveryEventKinds.ProcessFailed));
        Assert.Contains("killed by SIGKILL (exit code 137)", failed.Cause, StringComparison.Ordinal);
        var run = Assert.Single(harness.History());
        Assert.Equal(("restart-worker", "processExit", RecoveryOutcome.Succeeded), (run.Plan, run.TriggerKind, run.Outcome));
        Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"pid {before} -> {after}"), run.Steps.Single().Output, StringComparison.Ordinal);
        Assert.Contains("worker Healthy", run.Validation, StringComparison.Ordinal);
        Assert.Equal(after.ToString(CultureInfo.InvariantCulture), File.ReadAllText(ProcessSupervisor.PidFile(harness.Options.DataDirectory, "worker", 0)));

        // The kill opened an incident, the recovery resolved it, and its timeline shows the recovery.
        await harness.System!.RefreshAvailabilityAsync();
        var incident = Assert.Single(harness.System.Availability.GetIncidents());
        Assert.False(incident.IsOpen);
        Assert.Contains(incident.Timeline, e => e.What.Contains("linked recovery.succeeded", StringComparison.Ordinal));
    }

    [Fact]
    public async Task CrashLoop_IsDetected_TheSupervisorGivesUp_AndEscalates()
    {
        await using var harness = new RecoveryHarness();
        var process = harness.Process("crasher", "exit 3");
        process.StartLimitBurst = 3;
        process.StartLimitIntervalSeconds = 60;
        await harness.StartAsync();

        await harness.WaitForAsync(RecoveryEventKinds.CrashLoop);
        await harness.WaitForAsync(RecoveryEventKinds.Escalated);

        Assert.Equal(3, harness.Events(RecoveryEventKinds.ProcessStarted).Count);
        Assert.All(harness.Events(RecoveryEventKinds.ProcessFailed), e => Assert.Contains("exit code 3", e.Cause, StringComparison.Ordinal));
        Assert.Contains("start limit hit (3 starts within 60 s", harness.Events(RecoveryEventKinds.CrashLoop)[0].Cause, StringComparison.Ordinal);
        Assert.Contains(harness.History(), r => r.Outcome == RecoveryOutcome.Failed);
        Assert.True(harness.Running.Supervisor.Status("crasher").Replicas[0].GaveUp);
        await harness.System!.RefreshAvailabilityAsync();
        Assert.Contains(harness.System.Availability.GetIncidents(openOnly: true), i => i.Subject == "crasher" && i.Severity == "sev1");
    }

    [Fact]
    public async Task ManualRestart_AfterACrashLoop_ResetsTheStartLimit()
    {
        await using var harness = new RecoveryHarness();
        var flag = harness.File("fixed");
        var process = harness.Process("flaky", $"test -f {flag} && exec sleep 300; exit 3");
        process.StartLimitBurst = 2;
        process.StartLimitIntervalSeconds = 60;
        var recovery = await harness.StartAsync();
        await harness.WaitForAsync(RecoveryEventKinds.CrashLoop);

        File.WriteAllText(flag, "");

        // A run of the plan the crash loop triggered may still be going: a person's run is then coalesced into it (null),
        // so ask until this one is a run of its own (bounded).
        Task<RecoveryOutcome>? run = null;
        await Eventually.WaitUntilAsync(() => (run = recovery.RunAsync("restart-flaky", RecoveryTrigger.Person("ops", "config fixed"))) is not null,
            TimeSpan.FromSeconds(30), "a run of its own for the person");
        var outcome = await run!;

        Assert.Equal(RecoveryOutcome.Succeeded, outcome.Outcome);
        Assert.False(recovery.Supervisor.Status("flaky").Replicas[0].GaveUp);
    }

    [Fact]
    public async Task Stop_SignalsFirst_ThenKillsTheTreeAfterTheGrace()
    {
        await using var harness = new RecoveryHarness();
        var polite = harness.Process("polite", "trap 'exit 0' TERM; while true; do sleep 0.05; done");
        var stubborn = harness.Process("stubborn", "trap '' TERM; sleep 300 & wait; while true; do sleep 1; done");
        stubborn.StopGraceSeconds = 0.5;
        var recovery = await harness.StartAsync();
        await Eventually.WaitUntilAsync(() => recovery.Supervisor.Status("polite").Replicas[0].Pid is not null && recovery.Supervisor.Status("stubborn").Replicas[0].Pid is not null,
            TimeSpan.FromSeconds(10), "both running");
        var stubbornPid = Pid(recovery, "stubborn");
        var grandchild = await Eventually.ValueAsync(() => Children(stubbornPid).FirstOrDefault(), TimeSpan.FromSeconds(10), "stubborn's sleep started");

        await harness.System!.StopAsync();

        var stopped = harness.Events(RecoveryEventKinds.ProcessStopped);
        Assert.Contains(stopped, e => e.Subject == "polite" && e.Cause!.Contains("exit code 0", StringComparison.Ordinal));
        Assert.Contains(stopped, e => e.Subject == "stubborn" && e.Cause!.Contains("killed by SIGKILL", StringComparison.Ordinal));
        Assert.Empty(harness.Events(RecoveryEventKinds.ProcessFailed));
        await Eventually.WaitUntilAsync(() => ProcessTable.Inspect(grandchild) is null or { Exited: true }, TimeSpan.FromSeconds(10), "the tree was killed");
        Assert.False(File.Exists(ProcessSupervisor.PidFile(harness.Options.DataDirectory, "polite", 0)));
    }

    [Fact]
    public async Task Scale_StartsAndStopsReplicas_AndTheProcessCheckFollows()
    {
        await using var harness = new RecoveryHarness();
        harness.Process("pool", "echo replica $BULWARK_REPLICA; exec sleep 300");
        var recovery = await harness.StartAsync();
        await Eventually.WaitUntilAsync(() => harness.System!.Manager.GetState("pool") == SafetyState.Healthy, TimeSpan.FromSeconds(20), "pool Healthy");

        var up = await recovery.Supervisor.ScaleAsync("pool", 3, CancellationToken.None);
        Assert.Contains("1 -> 3 replica(s)", up, StringComparison.Ordinal);
        var pids = recovery.Supervisor.Status("pool").Replicas.Select(r => r.Pid).ToList();
        Assert.Equal(3, pids.Distinct().Count(p => p is not null));
        var log = Path.Combine(harness.Options.DataDirectory, "processes", "pool.2.log");
        await Eventually.WaitUntilAsync(() => File.Exists(log) && File.ReadAllText(log).Contains("replica 2", StringComparison.Ordinal), TimeSpan.FromSeconds(10), "replica 2 logged");
        var probe = new SupervisedProcessProbe(recovery.Supervisor, "pool");
        Assert.Contains("3/3 replicas running", (await probe.ProbeAsync(CancellationToken.None)).Description, StringComparison.Ordinal);

        await recovery.Supervisor.ScaleAsync("pool", 1, CancellationToken.None);
        Assert.Single(recovery.Supervisor.Status("pool").Replicas);
        await Eventually.WaitUntilAsync(() => ProcessTable.Inspect(pids[2]!.Value) is null or { Exited: true }, TimeSpan.FromSeconds(10), "replica 2 stopped");
        Assert.Empty(harness.Events(RecoveryEventKinds.ProcessFailed));
    }

    [Fact]
    public async Task LeftoverOfAPreviousRun_IsStoppedBeforeANewCopyStarts()
    {
        await using var harness = new RecoveryHarness();
        var single = harness.Process("single", "");
        single.Command = "sleep";
        single.Args.Clear();
        single.Args.Add("300");
        Directory.CreateDirectory(Path.Combine(harness.Options.DataDirectory, "processes"));
        using var leftover = System.Diagnostics.Process.Start("sleep", "301")!;
        File.WriteAllText(ProcessSupervisor.PidFile(harness.Options.DataDirectory, "single", 0), leftover.Id.ToString(CultureInfo.InvariantCulture));

        var recovery = await harness.StartAsync();

        Assert.True(leftover.WaitForExit(TimeSpan.FromSeconds(10)));
        Assert.NotEqual(leftover.Id, Pid(recovery, "single"));
        await harness.WaitForAsync(RecoveryEventKinds.ProcessStopped);
        Assert.Contains(harness.Store.Events, e => e.Kind == RecoveryEventKinds.ProcessStopped && e.Cause!.Contains("left running by a previous Bulwark", StringComparison.Ordinal));
    }

    private static int Pid(RecoverySystem recovery, string name) => recovery.Supervisor.Status(name).Replicas[0].Pid ?? 0;

    private static IEnumerable<int> Children(int pid)
    {
        var path = $"/proc/{pid}/task/{pid}/children";
        return File.Exists(path)
            ? File.ReadAllText(path).Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(p => int.Parse(p, CultureInfo.InvariantCulture)).ToList()
            : [];
    }
}
