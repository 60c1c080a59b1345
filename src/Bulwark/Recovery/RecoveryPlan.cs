using System.Globalization;

namespace Bulwark.Recovery;

/// <summary>
/// A plan as it runs: the configured plans, and one restart plan per supervised process whose restart policy is not
/// never (<c>restart-NAME</c>: restart it, then validate its component Healthy), so the supervisor's own restarts are
/// recorded, coalesced and timed like any plan.
/// </summary>
internal sealed class RecoveryPlan
{
    private RecoveryPlan(RecoveryPlanOptions options, SupervisedProcessOptions? restartOf)
    {
        Options = options;
        RestartOf = restartOf;
    }

    public RecoveryPlanOptions Options { get; }

    public string Name => Options.Name;

    /// <summary>The component it repairs, or <c>recovery:PLAN</c>: the subject of its events.</summary>
    public string Subject => Options.Component ?? "recovery:" + Options.Name;

    /// <summary>The process whose restart policy this plan is; null for a configured plan.</summary>
    public SupervisedProcessOptions? RestartOf { get; }

    /// <summary>The name of a process's restart plan.</summary>
    public static string RestartPlanName(string process) => "restart-" + process;

    /// <summary>Every plan of the options: the configured ones, then the processes' restart plans.</summary>
    public static IReadOnlyList<RecoveryPlan> All(BulwarkOptions options)
    {
        var plans = new List<RecoveryPlan>();
        if (options.Recovery is not { } recovery)
        {
            return plans;
        }

        plans.AddRange(recovery.Plans.Select(p => new RecoveryPlan(p, null)));
        var planSeconds = Math.Min(options.MaxRecoveryTimeSeconds, RecoveryLimits.MaxPlanSeconds);
        foreach (var process in recovery.Processes.Where(p => p.Restart != RestartPolicy.Never))
        {
            var plan = new RecoveryPlanOptions
            {
                Name = RestartPlanName(process.Name),
                Component = process.Name,
                Description = string.Create(CultureInfo.InvariantCulture,
                    $"the restart policy of {process.Name} (restart: {RecoveryOptionsValidator.RestartName(process.Restart)}, backoff from {process.RestartDelaySeconds} s, start limit {process.StartLimitBurst} in {process.StartLimitIntervalSeconds} s)"),
                Validation = new RecoveryValidationOptions { DeadlineSeconds = Math.Min(30, planSeconds) },
            };
            plan.Triggers.Add(new RecoveryTriggerOptions { ProcessExit = process.Name });

            // The step waits out the backoff, so its timeout leaves room for the longest delay.
            plan.Steps.Add(new RecoveryStepOptions
            {
                Name = "restart",
                Action = RecoveryActionKind.Restart,
                Process = process.Name,
                TimeoutSeconds = Math.Min(planSeconds, process.MaxRestartDelaySeconds + 30),
            });
            plans.Add(new RecoveryPlan(plan, process));
        }

        return plans;
    }

    /// <summary>The components its validation waits for: those named, or the plan's component.</summary>
    public IReadOnlyList<string> ValidationComponents =>
        Options.Validation is null ? [] : Options.Validation.Healthy.Count > 0 ? [.. Options.Validation.Healthy] : Options.Component is { } c ? [c] : [];
}
