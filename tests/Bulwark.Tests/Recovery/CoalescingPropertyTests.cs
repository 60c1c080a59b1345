using Bulwark.Recovery;
using CsCheck;

namespace Bulwark.Tests.Recovery;

/// <summary>
/// Random bursts of triggers from several threads on two plans: a plan's runs never overlap, and every trigger is
/// accounted for, either as a run or as a coalesced trigger recorded against the run it joined.
/// </summary>
public sealed class CoalescingPropertyTests
{
    [Fact]
    public void TriggersFromManyThreads_NeverOverlapARun_AndAreAllAccountedFor() =>
        Gen.Int[0, 1].Array[1, 12].Array[2, 4].Sample(bursts =>
        {
            RunAsync(bursts).GetAwaiter().GetResult();
        }, iter: 8, threads: 1);

    private static async Task RunAsync(int[][] bursts)
    {
        await using var harness = new RecoveryHarness();
        harness.FileComponent("db", harness.File("db-up"));
        foreach (var name in new[] { "a", "b" })
        {
            var plan = new RecoveryPlanOptions { Name = name, Component = "db" };
            var step = new RecoveryStepOptions { Action = RecoveryActionKind.Command, Command = "sh" };
            step.Args.Add("-c");
            step.Args.Add($"echo start >> {harness.File(name)}; sleep 0.02; echo end >> {harness.File(name)}");
            plan.Steps.Add(step);
            harness.Recovery.Plans.Add(plan);
        }

        var recovery = await harness.StartAsync();
        var started = new System.Collections.Concurrent.ConcurrentBag<Task<RecoveryOutcome>>();
        using var gate = new Barrier(bursts.Length);
        await Task.WhenAll(bursts.Select((burst, thread) => Task.Factory.StartNew(() =>
        {
            gate.SignalAndWait();
            foreach (var plan in burst)
            {
                if (recovery.RunAsync(plan == 0 ? "a" : "b", RecoveryTrigger.Person($"t{thread}", "burst")) is { } run)
                {
                    started.Add(run);
                }
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)));
        await Task.WhenAll(started);

        var triggers = bursts.Sum(b => b.Length);
        await harness.WaitForAsync(RecoveryEventKinds.Coalesced, triggers - started.Count);
        Assert.Equal(triggers, harness.History().Count + harness.Events(RecoveryEventKinds.Coalesced).Count);
        Assert.All(harness.History(), r => Assert.Equal(RecoveryOutcome.Succeeded, r.Outcome));
        foreach (var name in new[] { "a", "b" })
        {
            var lines = File.Exists(harness.File(name)) ? File.ReadAllLines(harness.File(name)) : [];
            Assert.Equal(harness.History().Count(r => r.Plan == name) * 2, lines.Length);
            for (var i = 0; i < lines.Length; i++)
            {
                Assert.Equal(i % 2 == 0 ? "start" : "end", lines[i]);
            }
        }
    }
}
