using Bulwark.Availability;
using Bulwark.Recovery;
using Bulwark.Tests.TestSupport;

namespace Bulwark.Tests.Recovery;

/// <summary>Plans end to end in one process: steps, validation, rollback, the recovery-time bound, triggers, coalescing, bounds.</summary>
public sealed class RecoveryPlanTests
{
    [Fact]
    public async Task ValidationThatFails_RollsBack_AndEscalates()
    {
        await using var harness = new RecoveryHarness();
        harness.FileComponent("db", harness.File("db-up"));
        var plan = Plan(harness, "fix-db", "db", Command("touch", harness.File("step-ran")));
        plan.Validation = new RecoveryValidationOptions { DeadlineSeconds = 1 };
        plan.Rollback.Add(Command("touch", harness.File("rolled-back")));
        var recovery = await harness.StartAsync();

        var outcome = await recovery.RunAsync("fix-db", RecoveryTrigger.Person("ops", "test"))!;

        Assert.Equal(RecoveryOutcome.Failed, outcome.Outcome);
        Assert.True(File.Exists(harness.File("step-ran")));
        Assert.True(File.Exists(harness.File("rolled-back")));
        var run = Assert.Single(harness.History());
        Assert.Contains("validation failed", run.Validation, StringComparison.Ordinal);
        Assert.Contains("rollback succeeded", run.Rollback, StringComparison.Ordinal);
        Assert.Equal(["1-command", "rollback.1-command"], run.Steps.Select(s => s.Name));
        Assert.Single(harness.Events(RecoveryEventKinds.Escalated));
        Assert.Equal(("ops", "test"), (run.By, run.Reason));
    }

    [Fact]
    public async Task PlanPastMaxRecoveryTime_IsCancelled_AndRecordedAsAViolation()
    {
        await using var harness = new RecoveryHarness(maxRecoveryTimeSeconds: 2);
        harness.FileComponent("db", harness.File("db-up"));
        var plan = Plan(harness, "slow", "db");
        for (var i = 0; i < 3; i++)
        {
            var step = Command("sleep", "0.9");
            step.TimeoutSeconds = 1.8;
            plan.Steps.Add(step);
        }

        plan.Rollback.Add(Command("touch", harness.File("rolled-back")));
        var recovery = await harness.StartAsync();

        var outcome = await recovery.RunAsync("slow", RecoveryTrigger.Person("ops", "test"))!;

        Assert.Equal(RecoveryOutcome.TimedOut, outcome.Outcome);
        var violation = Assert.Single(harness.Events(RecoveryEventKinds.SlaViolated));
        Assert.Contains("over the 2 s recovery SLA", violation.Cause, StringComparison.Ordinal);
        Assert.Single(harness.Events(RecoveryEventKinds.TimedOut));
        Assert.Single(harness.Events(RecoveryEventKinds.Escalated));
        Assert.True(File.Exists(harness.File("rolled-back")));
        var run = Assert.Single(harness.History());
        Assert.False(run.SlaMet);
        Assert.Contains(run.Steps, s => s.Outcome == "running" || s.Name == "3-command");

        await harness.System!.RefreshAvailabilityAsync();
        Assert.Contains(harness.System.Availability.GetIncidents(openOnly: true), i => i.Subject == "db" && i.Timeline.Any(e => e.What.Contains("sla_violated", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task TriggersAtOnce_RunThePlanOnce_AndTheRestAreCoalesced()
    {
        await using var harness = new RecoveryHarness();
        harness.FileComponent("db", harness.File("db-up"));
        Plan(harness, "once", "db", Command("sh", "-c", $"echo run >> {harness.File("runs")}; sleep 0.3"));
        var recovery = await harness.StartAsync();

        using var gate = new Barrier(8);
        var runs = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Factory.StartNew(() =>
        {
            gate.SignalAndWait();
            return new[] { recovery.RunAsync("once", RecoveryTrigger.Person($"ops{i}", "at once")) };
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)));

        await Assert.Single(runs, r => r[0] is not null)[0]!;
        Assert.Single(File.ReadAllLines(harness.File("runs")));
        await harness.WaitForAsync(RecoveryEventKinds.Coalesced, 7);
        var run = Assert.Single(harness.History());
        Assert.Equal(7, run.Coalesced);
        Assert.All(harness.Events(RecoveryEventKinds.Coalesced), e => Assert.Contains(run.Id, e.Evidence, StringComparison.Ordinal));
    }

    [Fact]
    public async Task StateHeldForNChecks_TriggersThePlan_WhichHealsAndValidates()
    {
        await using var harness = new RecoveryHarness();
        var up = harness.File("db-up");
        File.WriteAllText(up, "");
        harness.FileComponent("db", up);
        var plan = Plan(harness, "heal-db", "db", Command("touch", up));
        plan.Triggers.Add(new RecoveryTriggerOptions { State = SafetyState.Failed, Checks = 3 });
        plan.Validation = new RecoveryValidationOptions { DeadlineSeconds = 10 };
        await harness.StartAsync();
        await Eventually.WaitUntilAsync(() => harness.System!.Manager.GetState("db") == SafetyState.Healthy, TimeSpan.FromSeconds(20), "db Healthy");

        File.Delete(up);

        await harness.WaitForAsync(RecoveryEventKinds.Succeeded);
        var run = Assert.Single(harness.History());
        Assert.Equal("state", run.TriggerKind);
        Assert.Contains("still Failed 3 checks later", run.Trigger, StringComparison.Ordinal);
        Assert.Contains("db Healthy", run.Validation, StringComparison.Ordinal);
        Assert.Equal(SafetyState.Healthy, harness.System!.Manager.GetState("db"));
    }

    [Fact]
    public async Task StateThatClearsBeforeItsChecks_DoesNotTrigger()
    {
        await using var harness = new RecoveryHarness();
        var up = harness.File("db-up");
        File.WriteAllText(up, "");
        harness.FileComponent("db", up);
        var plan = Plan(harness, "heal-db", "db", Command("true"));
        plan.Triggers.Add(new RecoveryTriggerOptions { State = SafetyState.Failed, Checks = 200 });
        await harness.StartAsync();
        await Eventually.WaitUntilAsync(() => harness.System!.Manager.GetState("db") == SafetyState.Healthy, TimeSpan.FromSeconds(20), "db Healthy");

        File.Delete(up);
        await Eventually.WaitUntilAsync(() => harness.System!.Manager.GetState("db") == SafetyState.Failed, TimeSpan.FromSeconds(20), "db Failed");
        File.WriteAllText(up, "");
        await Eventually.WaitUntilAsync(() => harness.System!.Manager.GetState("db") == SafetyState.Healthy, TimeSpan.FromSeconds(20), "db Healthy again");

        // 200 checks of 50 ms is 10 s: the pending trigger finds the state gone at its time. Stop now: it must not have run.
        await harness.System!.StopAsync();
        Assert.Empty(harness.History());
    }

    [Fact]
    public async Task RepeatedAutomaticRunsThatDoNotHeal_AreBounded_AndEscalateOnce()
    {
        await using var harness = new RecoveryHarness();
        harness.Options.Availability.Slos.Add(new SloOptions { Name = "db-up", Subject = "db", Objective = 0.99, WindowDays = 1 });
        harness.FileComponent("db", harness.File("db-up"));
        var plan = Plan(harness, "on-alert", "db", Command("true"));
        plan.Triggers.Add(new RecoveryTriggerOptions { Alert = "db-up" });
        harness.Recovery.MaxAutomaticRuns = 2;
        await harness.StartAsync();

        for (var i = 1; i <= 4; i++)
        {
            await harness.Store.AppendAsync(new SafetyEvent { Time = TimeProvider.System.GetUtcNow(), Kind = AvailabilityEventKinds.AlertFired, Subject = "db-up", Cause = "fast" });
            if (i <= 2)
            {
                await harness.WaitForAsync(RecoveryEventKinds.Succeeded, i);
            }
            else
            {
                await harness.WaitForAsync(RecoveryEventKinds.Suppressed, i - 2);
            }
        }

        Assert.Equal(2, harness.History().Count);
        Assert.All(harness.History(), r => Assert.Equal("alert", r.TriggerKind));
        var escalated = Assert.Single(harness.Events(RecoveryEventKinds.Escalated));
        Assert.Contains("recovery.maxAutomaticRuns", escalated.Cause, StringComparison.Ordinal);

        // A person can still run it, and that resets the bound.
        var outcome = await harness.Running.RunAsync("on-alert", RecoveryTrigger.Person("ops", "after the fix"))!;
        Assert.True(outcome.Healed);
    }

    [Fact]
    public async Task RunInterruptedByARestart_IsRecordedAsInterruptedAtTheNextStart()
    {
        await using var harness = new RecoveryHarness();
        harness.FileComponent("db", harness.File("db-up"));
        Plan(harness, "fix-db", "db", Command("true"));
        var started = await harness.Store.AppendAsync(new SafetyEvent
        {
            Time = TimeProvider.System.GetUtcNow().AddMinutes(-1),
            Kind = RecoveryEventKinds.Started,
            Subject = "db",
            Cause = "fix-db started",
            Evidence = """{"plan":"fix-db","trigger":"before the crash","maxRecoveryTimeSeconds":30}""",
        });

        await harness.StartAsync();

        var run = Assert.Single(harness.History());
        Assert.Equal(($"REC-{started}", RecoveryOutcome.Interrupted), (run.Id, run.Outcome));
        Assert.Contains("recorded as interrupted at this start", run.Cause, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ParallelGroup_RunsAtOnce_ConditionsSkip_HandlersMend_AndContinueGoesOn()
    {
        await using var harness = new RecoveryHarness();
        harness.FileComponent("db", harness.File("db-up"));
        var group = new RecoveryStepOptions();
        group.Parallel.Add(Command("sh", "-c", $"touch {harness.File("a")}; while [ ! -f {harness.File("b")} ]; do sleep 0.01; done"));
        group.Parallel.Add(Command("sh", "-c", $"touch {harness.File("b")}; while [ ! -f {harness.File("a")} ]; do sleep 0.01; done"));
        group.Parallel[0].TimeoutSeconds = group.Parallel[1].TimeoutSeconds = 10;
        var skipped = Command("touch", harness.File("never"));
        skipped.When = new RecoveryConditionOptions { Command = "test" };
        skipped.When.Args.Add("-f");
        skipped.When.Args.Add(harness.File("absent"));
        var mended = Command("false");
        mended.Handler = Command("touch", harness.File("handled"));
        var tolerated = Command("false");
        tolerated.OnFailure = StepFailure.Continue;
        var retried = Command("sh", "-c", $"echo x >> {harness.File("attempts")}; test $(wc -l < {harness.File("attempts")}) -ge 3");
        retried.Retries = 3;
        retried.RetryDelaySeconds = 0.01;
        Plan(harness, "many", "db", group, skipped, mended, tolerated, retried);
        var recovery = await harness.StartAsync();

        var outcome = await recovery.RunAsync("many", RecoveryTrigger.Person("ops", "test"))!;

        Assert.True(outcome.Healed, outcome.Cause);
        var steps = Assert.Single(harness.History()).Steps.ToDictionary(s => s.Name, s => s);
        Assert.Equal("succeeded", steps["1-parallel"].Outcome);
        Assert.Equal("skipped", steps["2-command"].Outcome);
        Assert.False(File.Exists(harness.File("never")));
        Assert.Equal("handled", steps["3-command"].Outcome);
        Assert.True(File.Exists(harness.File("handled")));
        Assert.Equal("failed (continued)", steps["4-command"].Outcome);
        Assert.Equal(("succeeded", 3), (steps["5-command"].Outcome, steps["5-command"].Attempts!.Value));
    }

    [Fact]
    public void DryRun_DescribesEveryStepInOrder_WithResolvedCommands()
    {
        var options = new BulwarkOptions { Recovery = new RecoveryOptions() };
        options.Components.Add(new ComponentOptions { Name = "web" });
        var plan = new RecoveryPlanOptions { Name = "p", Component = "web", Validation = new RecoveryValidationOptions() };
        var retried = Command("systemctl-free", "--flag", "two words");
        retried.Retries = 2;
        plan.Steps.Add(retried);
        plan.Steps.Add(new RecoveryStepOptions { Action = RecoveryActionKind.RollbackDeployment, Deployment = "/srv/web" });
        plan.Rollback.Add(new RecoveryStepOptions { Action = RecoveryActionKind.Systemctl, Unit = "web.service" });
        options.Recovery.Plans.Add(plan);
        using var http = new HttpClient();
        var actions = new Bulwark.Recovery.Actions.ActionFactory(new ProcessSupervisor([], ".", TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance), http);

        var lines = PlanRunner.Describe(RecoveryPlan.All(options).Single(), actions, TimeSpan.FromSeconds(60));

        Assert.Equal(
        [
            "plan p for web, within 60 s (maxRecoveryTimeSeconds):",
            "  1-command: systemctl-free --flag 'two words'  [timeout 30 s; 2 retries from 1 s, exponential with jitter]",
            "  2-rollbackDeployment: point /srv/web/current at the release before the current one (atomic rename of a new link)  [timeout 30 s]",
            "  then validate: web Healthy, every check passing on a run after the steps, within 30 s",
            "  if a step or the validation fails, roll back:",
            "    rollback.1-systemctl: systemctl restart web.service  [timeout 30 s]",
        ], lines);
    }

    private static RecoveryPlanOptions Plan(RecoveryHarness harness, string name, string component, params RecoveryStepOptions[] steps)
    {
        var plan = new RecoveryPlanOptions { Name = name, Component = component };
        foreach (var step in steps)
        {
            plan.Steps.Add(step);
        }

        harness.Recovery.Plans.Add(plan);
        return plan;
    }

    private static RecoveryStepOptions Command(string command, params string[] args)
    {
        var step = new RecoveryStepOptions { Action = RecoveryActionKind.Command, Command = command };
        foreach (var arg in args)
        {
            step.Args.Add(arg);
        }

        return step;
    }
}
