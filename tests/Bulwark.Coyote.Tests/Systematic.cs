using System.Runtime.CompilerServices;
using Microsoft.Coyote;
using Microsoft.Coyote.SystematicTesting;

namespace Bulwark.Coyote.Tests;

/// <summary>
/// Runs a test body under Coyote's scheduler: each iteration is one interleaving of its tasks, switching at every
/// Task, monitor, semaphore, Interlocked and Volatile operation of the rewritten binaries. A bug found is reported with
/// the readable trace of the interleaving that shows it. The seed is fixed, so a failure repeats on every run.
/// </summary>
internal static class Systematic
{
    /// <summary>Iterations per test: each one a different schedule (stated in docs/trading.md).</summary>
    public const uint Iterations = 1000;

    public static void Explore(Func<Task> test, uint iterations = Iterations, [CallerMemberName] string name = "")
    {
        var configuration = Microsoft.Coyote.Configuration.Create()
            .WithTestingIterations(iterations)
            .WithRandomGeneratorSeed(20261202)
            .WithPrioritizationStrategy(isFair: false, priorityChangeBound: 10)
            .WithAtomicOperationRaceCheckingEnabled(true)
            .WithVolatileOperationRaceCheckingEnabled(true)
            .WithLockAccessRaceCheckingEnabled(true)
            .WithMaxSchedulingSteps(5000)
            .WithPartiallyControlledConcurrencyAllowed(false)
            .WithConsoleLoggingEnabled(false);
        using var engine = TestingEngine.Create(configuration, test);
        engine.Run();
        var report = engine.TestReport;
        Assert.True(engine.IsTestRewritten(), "the test assembly was not rewritten by Coyote: its scheduler controls nothing");
        Assert.True(report.NumOfFoundBugs == 0,
            $"{name}: {string.Join(Environment.NewLine, report.BugReports)}{Environment.NewLine}{Trim(engine.ReadableTrace)}");
    }

    /// <summary>The number of bugs Coyote finds in <paramref name="test"/> (for the harness's own test).</summary>
    public static int CountBugs(Func<Task> test, uint iterations)
    {
        var configuration = Microsoft.Coyote.Configuration.Create()
            .WithTestingIterations(iterations)
            .WithRandomGeneratorSeed(20261202)
            .WithAtomicOperationRaceCheckingEnabled(true)
            .WithVolatileOperationRaceCheckingEnabled(true)
            .WithConsoleLoggingEnabled(false);
        using var engine = TestingEngine.Create(configuration, test);
        engine.Run();
        return engine.TestReport.NumOfFoundBugs;
    }

    private static string Trim(string trace) => trace.Length <= 6000 ? trace : trace[^6000..];
}
