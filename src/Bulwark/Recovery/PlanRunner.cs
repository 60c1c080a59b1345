using System.Globalization;
using Bulwark.Health.Checks;
using Bulwark.Recovery.Actions;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace Bulwark.Recovery;

/// <summary>
/// Runs one plan: its steps in order (a parallel group's steps at once), each step with its condition, its timeout per
/// attempt and its retries (Polly), its handler and its on-failure rule; then the validation; and the rollback when a
/// step or the validation failed. The whole run is bounded by maxRecoveryTimeSeconds: past it the run is cancelled and
/// recorded as an SLA violation. Every start, step, validation, rollback and end is an event.
/// </summary>
internal sealed class PlanRunner(RecoveryRecorder recorder, ActionFactory actions, Func<StatusReport?> status, TimeSpan maxRecoveryTime, ProcessSupervisor? supervisor = null)
{
    private static readonly TimeSpan ValidationPoll = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan DefaultStepTimeout = TimeSpan.FromSeconds(30);

    private TimeProvider Time => recorder.Time;

    /// <summary>Runs the plan; <paramref name="started"/> gets the run's id as soon as its start is recorded.</summary>
    public async Task<RecoveryOutcome> RunAsync(RecoveryPlan plan, RecoveryTrigger trigger, CancellationToken stopping, Action<string>? started = null)
    {
        var begun = Time.GetTimestamp();
        var subject = plan.Subject;
        var sequence = await recorder.RecordAsync(RecoveryEventKinds.Started, subject, $"{plan.Name} started: {trigger.Description}", new RecoveryEvidence
        {
            Plan = plan.Name,
            Trigger = trigger.Description,
            TriggerKind = trigger.Kind,
            By = trigger.By,
            Reason = trigger.Reason,
            Request = trigger.Request,
            MaxRecoveryTimeSeconds = maxRecoveryTime.TotalSeconds,
        }, trigger.By ?? "bulwark").ConfigureAwait(false);
        var run = new Run(plan, sequence > 0
            ? string.Create(CultureInfo.InvariantCulture, $"REC-{sequence}")
            : string.Create(CultureInfo.InvariantCulture, $"REC-T{Time.GetUtcNow().UtcTicks}"), new ActionContext(trigger.Manual));
        started?.Invoke(run.Id);

        using var overall = new CancellationTokenSource(maxRecoveryTime, Time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(overall.Token, stopping);
        string? failure = null;
        try
        {
            for (var i = 0; i < plan.Options.Steps.Count && failure is null; i++)
            {
                var result = await StepAsync(run, plan.Options.Steps[i], StepName(plan.Options.Steps[i], i, null), linked.Token).ConfigureAwait(false);
                if (result.Failed && plan.Options.Steps[i].OnFailure == StepFailure.Fail)
                {
                    failure = $"step {result.Name} failed: {result.Detail}";
                }
            }

            if (failure is null && plan.Options.Validation is { } validation)
            {
                var deadline = validation.DeadlineSeconds is { } limit ? TimeSpan.FromSeconds(limit) : Min(DefaultStepTimeout, maxRecoveryTime);
                var (passed, detail) = await ValidateAsync(run, deadline, linked.Token).ConfigureAwait(false);
                if (!passed)
                {
                    failure = "validation failed: " + detail;
                }
            }
        }
        catch (OperationCanceledException) when (linked.IsCancellationRequested)
        {
            failure = overall.IsCancellationRequested && !stopping.IsCancellationRequested
                ? string.Create(CultureInfo.InvariantCulture, $"cancelled after {maxRecoveryTime.TotalSeconds:0.###} s (maxRecoveryTimeSeconds)")
                : "Bulwark stopped while it ran";
        }

        var timedOut = overall.IsCancellationRequested && !stopping.IsCancellationRequested;
        var interrupted = stopping.IsCancellationRequested;
        if (failure is not null && plan.Options.Rollback.Count > 0 && !interrupted)
        {
            await RollbackAsync(run, failure, stopping).ConfigureAwait(false);
        }

        var duration = Time.GetElapsedTime(begun);
        var outcome = failure is null ? RecoveryOutcome.Succeeded
            : timedOut ? RecoveryOutcome.TimedOut
            : interrupted ? RecoveryOutcome.Interrupted
            : RecoveryOutcome.Failed;
        var slaMet = duration <= maxRecoveryTime;
        var seconds = duration.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);
        var cause = failure is null
            ? $"{plan.Name} succeeded in {seconds} s{(plan.Options.Validation is null ? "" : " (validated)")}, within the {maxRecoveryTime.TotalSeconds:0.###} s recovery SLA"
            : $"{plan.Name} {outcome} after {seconds} s: {failure}";
        var final = outcome switch
        {
            RecoveryOutcome.Succeeded => RecoveryEventKinds.Succeeded,
            RecoveryOutcome.TimedOut => RecoveryEventKinds.TimedOut,
            RecoveryOutcome.Interrupted => RecoveryEventKinds.Interrupted,
            _ => RecoveryEventKinds.Failed,
        };
        var evidence = new RecoveryEvidence
        {
            Execution = run.Id,
            Plan = plan.Name,
            Outcome = outcome,
            DurationSeconds = duration.TotalSeconds,
            MaxRecoveryTimeSeconds = maxRecoveryTime.TotalSeconds,
            SlaMet = slaMet && !timedOut,
            Error = failure,
        };
        await recorder.RecordAsync(final, plan.Subject, cause, evidence).ConfigureAwait(false);
        if (timedOut || !slaMet)
        {
            await recorder.RecordAsync(RecoveryEventKinds.SlaViolated, plan.Subject,
                $"{plan.Name} ran {seconds} s, over the {maxRecoveryTime.TotalSeconds:0.###} s recovery SLA (maxRecoveryTimeSeconds)", evidence).ConfigureAwait(false);
        }

        // A restart policy escalates through the supervisor's crash loop, not through each restart that did not hold.
        if (outcome is RecoveryOutcome.TimedOut || (outcome is RecoveryOutcome.Failed && plan.RestartOf is null))
        {
            await recorder.RecordAsync(RecoveryEventKinds.Escalated, plan.Subject, $"{plan.Name} did not repair {plan.Subject}: {failure}; a person is needed", evidence)
                .ConfigureAwait(false);
        }

        return new RecoveryOutcome(run.Id, outcome, duration, cause);
    }

    /// <summary>What the plan would do, in order, with its resolved commands: nothing runs.</summary>
    public static IReadOnlyList<string> Describe(RecoveryPlan plan, ActionFactory actions, TimeSpan maxRecoveryTime)
    {
        var lines = new List<string>
        {
            string.Create(CultureInfo.InvariantCulture, $"plan {plan.Name} for {plan.Subject}, within {maxRecoveryTime.TotalSeconds:0.###} s (maxRecoveryTimeSeconds):"),
        };
        for (var i = 0; i < plan.Options.Steps.Count; i++)
        {
            DescribeStep(lines, plan.Options.Steps[i], StepName(plan.Options.Steps[i], i, null), "  ", actions, maxRecoveryTime);
        }

        if (plan.Options.Validation is { } validation)
        {
            var deadline = validation.DeadlineSeconds ?? Min(DefaultStepTimeout, maxRecoveryTime).TotalSeconds;
            lines.Add(string.Create(CultureInfo.InvariantCulture,
                $"  then validate: {string.Join(", ", plan.ValidationComponents)} Healthy, every check passing on a run after the steps, within {deadline:0.###} s"));
        }

        if (plan.Options.Rollback.Count > 0)
        {
            lines.Add("  if a step or the validation fails, roll back:");
            for (var i = 0; i < plan.Options.Rollback.Count; i++)
            {
                DescribeStep(lines, plan.Options.Rollback[i], StepName(plan.Options.Rollback[i], i, "rollback"), "    ", actions, maxRecoveryTime);
            }
        }

        return lines;
    }

    private static void DescribeStep(List<string> lines, RecoveryStepOptions step, string name, string indent, ActionFactory actions, TimeSpan maxRecoveryTime)
    {
        if (step.Parallel.Count > 0)
        {
            lines.Add($"{indent}{name}: in parallel:");
            for (var i = 0; i < step.Parallel.Count; i++)
            {
                DescribeStep(lines, step.Parallel[i], StepName(step.Parallel[i], i, name), indent + "  ", actions, maxRecoveryTime);
            }

            return;
        }

        var timeout = StepTimeout(step, maxRecoveryTime).TotalSeconds;
        var extras = new List<string> { string.Create(CultureInfo.InvariantCulture, $"timeout {timeout:0.###} s") };
        if (step.Retries > 0)
        {
            extras.Add(string.Create(CultureInfo.InvariantCulture, $"{step.Retries} retries from {step.RetryDelaySeconds:0.###} s, exponential with jitter"));
        }

        if (step.When is { } when)
        {
            extras.Add(when.Command is not null
                ? $"only if {CommandLine.Format(when.Command, when.Args)} exits 0"
                : $"only if {when.Component ?? "the component"} is {string.Join(" or ", when.States)}");
        }

        if (step.OnFailure == StepFailure.Continue)
        {
            extras.Add("a failure does not stop the plan");
        }

        lines.Add($"{indent}{name}: {actions.Create(step).Describe()}  [{string.Join("; ", extras)}]");
        if (step.Handler is { } handler)
        {
            lines.Add($"{indent}  on failure: {actions.Create(handler).Describe()}");
        }
    }

    private async Task<StepResult> StepAsync(Run run, RecoveryStepOptions step, string name, CancellationToken cancellationToken)
    {
        if (step.Parallel.Count > 0)
        {
            return await GroupAsync(run, step, name, cancellationToken).ConfigureAwait(false);
        }

        var subject = run.Plan.Subject;
        if (step.When is { } when && !await HoldsAsync(when, run.Plan, cancellationToken).ConfigureAwait(false))
        {
            await recorder.RecordAsync(RecoveryEventKinds.StepFinished, subject, $"{run.Plan.Name}: {name} skipped (its condition does not hold)",
                new RecoveryEvidence { Execution = run.Id, Step = name, Outcome = "skipped", DurationSeconds = 0 }).ConfigureAwait(false);
            return new StepResult(name, false, "skipped");
        }

        var action = actions.Create(step);
        var description = action.Describe();
        await recorder.RecordAsync(RecoveryEventKinds.StepStarted, subject, $"{run.Plan.Name}: {name} started: {description}",
            new RecoveryEvidence { Execution = run.Id, Step = name, Action = RecoveryConfigurationBinder.ActionName(step.Action!.Value), Description = description })
            .ConfigureAwait(false);

        var started = Time.GetTimestamp();
        var (ok, attempts, detail, output) = await AttemptAsync(run, step, action, cancellationToken).ConfigureAwait(false);
        var outcome = ok ? "succeeded" : "failed";
        if (!ok && step.Handler is { } handler)
        {
            var handled = await StepAsync(run, handler, name + ".handler", cancellationToken).ConfigureAwait(false);
            if (!handled.Failed)
            {
                outcome = "handled";
                detail += "; its handler succeeded";
            }
        }

        if (outcome == "failed" && step.OnFailure == StepFailure.Continue)
        {
            outcome = "failed (continued)";
        }

        var duration = Time.GetElapsedTime(started);
        await recorder.RecordAsync(RecoveryEventKinds.StepFinished, subject,
            string.Create(CultureInfo.InvariantCulture, $"{run.Plan.Name}: {name} {outcome} in {duration.TotalSeconds:0.###} s ({attempts} attempt(s)): {detail}"),
            new RecoveryEvidence
            {
                Execution = run.Id,
                Step = name,
                Outcome = outcome,
                Attempts = attempts,
                DurationSeconds = duration.TotalSeconds,
                Output = Bound(output),
                Error = ok ? null : detail,
            }).ConfigureAwait(false);
        return new StepResult(name, outcome is "failed" or "failed (continued)", detail);
    }

    private async Task<(bool Ok, int Attempts, string Detail, string? Output)> AttemptAsync(Run run, RecoveryStepOptions step, IRecoveryAction action, CancellationToken cancellationToken)
    {
        var timeout = StepTimeout(step, maxRecoveryTime);
        var builder = new ResiliencePipelineBuilder { TimeProvider = Time };
        if (step.Retries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = step.Retries,
                Delay = TimeSpan.FromSeconds(step.RetryDelaySeconds),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                ShouldHandle = new PredicateBuilder().Handle<Exception>(ex => ex is not OperationCanceledException || ex is TimeoutRejectedException),
            });
        }

        builder.AddTimeout(timeout);
        var pipeline = builder.Build();
        var attempts = 0;
        string? lastOutput = null;
        try
        {
            var result = await pipeline.ExecuteAsync(async token =>
            {
                attempts++;
                try
                {
                    return await action.RunAsync(run.Context, token).ConfigureAwait(false);
                }
                catch (RecoveryActionException ex)
                {
                    lastOutput = ex.Output;
                    throw;
                }
            }, cancellationToken).ConfigureAwait(false);
            return (true, attempts, result, result);
        }
        catch (TimeoutRejectedException)
        {
            return (false, attempts, string.Create(CultureInfo.InvariantCulture, $"timed out after {timeout.TotalSeconds:0.###} s"), lastOutput);
        }
        catch (RecoveryActionException ex)
        {
            return (false, attempts, ex.Message, ex.Output);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            return (false, attempts, $"threw {ex.GetType().Name}: {ex.Message}", lastOutput);
        }
    }

    private async Task<StepResult> GroupAsync(Run run, RecoveryStepOptions group, string name, CancellationToken cancellationToken)
    {
        var subject = run.Plan.Subject;
        await recorder.RecordAsync(RecoveryEventKinds.StepStarted, subject, $"{run.Plan.Name}: {name} started: {group.Parallel.Count} steps in parallel",
            new RecoveryEvidence { Execution = run.Id, Step = name, Action = "parallel" }).ConfigureAwait(false);
        var started = Time.GetTimestamp();
        var results = await Task.WhenAll(group.Parallel.Select((step, i) => StepAsync(run, step, StepName(step, i, name), cancellationToken))).ConfigureAwait(false);
        var failed = results.Where((r, i) => r.Failed && group.Parallel[i].OnFailure == StepFailure.Fail).ToList();
        var duration = Time.GetElapsedTime(started);
        var detail = failed.Count == 0 ? $"all {results.Length} succeeded" : $"{string.Join(", ", failed.Select(f => f.Name))} failed";
        var outcome = failed.Count == 0 ? "succeeded" : group.OnFailure == StepFailure.Continue ? "failed (continued)" : "failed";
        await recorder.RecordAsync(RecoveryEventKinds.StepFinished, subject,
            string.Create(CultureInfo.InvariantCulture, $"{run.Plan.Name}: {name} {outcome} in {duration.TotalSeconds:0.###} s: {detail}"),
            new RecoveryEvidence { Execution = run.Id, Step = name, Outcome = outcome, DurationSeconds = duration.TotalSeconds, Error = failed.Count == 0 ? null : detail })
            .ConfigureAwait(false);
        return new StepResult(name, failed.Count > 0, detail);
    }

    /// <summary>Waits until every component is Healthy with every check passing on a run that began after the steps ended.</summary>
    private async Task<(bool Passed, string Detail)> ValidateAsync(Run run, TimeSpan deadline, CancellationToken cancellationToken)
    {
        var components = run.Plan.ValidationComponents;
        var since = Time.GetUtcNow();
        var started = Time.GetTimestamp();
        string detail;
        var restarted = RestartedProcesses(run.Plan.Options.Steps).Distinct(StringComparer.Ordinal).ToList();
        while (true)
        {
            // A process the plan restarted that is down again cannot validate: fail now, not at the deadline.
            if (restarted.FirstOrDefault(p => supervisor?.AnyDown(p) == true) is { } down)
            {
                detail = $"{down} exited again before it was validated";
                await RecordValidation(run, false, detail, started).ConfigureAwait(false);
                return (false, detail);
            }

            var report = status();
            var waiting = components.Select(c => Pending(report, c, since)).Where(p => p is not null).ToList();
            if (waiting.Count == 0)
            {
                detail = $"{string.Join(", ", components)} Healthy, every check passing after the steps";
                break;
            }

            if (Time.GetElapsedTime(started) >= deadline)
            {
                detail = string.Create(CultureInfo.InvariantCulture, $"not healthy within {deadline.TotalSeconds:0.###} s: {string.Join("; ", waiting)}");
                await RecordValidation(run, false, detail, started).ConfigureAwait(false);
                return (false, detail);
            }

            await Task.Delay(ValidationPoll, Time, cancellationToken).ConfigureAwait(false);
        }

        await RecordValidation(run, true, detail, started).ConfigureAwait(false);
        return (true, detail);
    }

    private static IEnumerable<string> RestartedProcesses(IEnumerable<RecoveryStepOptions> steps) =>
        steps.SelectMany(s => s.Parallel.Count > 0 ? RestartedProcesses(s.Parallel) : s is { Action: RecoveryActionKind.Restart, Process: { } p } ? [p] : []);

    private Task RecordValidation(Run run, bool passed, string detail, long started)
    {
        var duration = Time.GetElapsedTime(started);
        return recorder.RecordAsync(RecoveryEventKinds.Validated, run.Plan.Subject,
            string.Create(CultureInfo.InvariantCulture, $"{run.Plan.Name}: validation {(passed ? "passed" : "failed")} in {duration.TotalSeconds:0.###} s: {detail}"),
            new RecoveryEvidence { Execution = run.Id, Outcome = passed ? "passed" : "failed", DurationSeconds = duration.TotalSeconds, Error = passed ? null : detail });
    }

    /// <summary>Why the component is not validated yet, or null when it is.</summary>
    private static string? Pending(StatusReport? report, string component, DateTimeOffset since)
    {
        var found = report?.Components.FirstOrDefault(c => c.Name == component);
        if (found is null)
        {
            return $"{component}: no status yet";
        }

        if (found.State != SafetyState.Healthy)
        {
            return $"{component} is {found.State}";
        }

        var stale = found.Checks.FirstOrDefault(k => k.LastRunAt is not { } at || at - TimeSpan.FromMilliseconds(k.LastDurationMs ?? 0) < since || k.LastStatus != CheckStatus.Healthy);
        return stale is null ? null : $"{component}: check {stale.Name} has not passed since the steps ({stale.LastStatus?.ToString() ?? "no result"}: {stale.LastDescription})";
    }

    private async Task RollbackAsync(Run run, string reason, CancellationToken stopping)
    {
        var subject = run.Plan.Subject;
        await recorder.RecordAsync(RecoveryEventKinds.RollbackStarted, subject, $"{run.Plan.Name}: rolling back ({reason})",
            new RecoveryEvidence { Execution = run.Id, Reason = reason }).ConfigureAwait(false);
        var started = Time.GetTimestamp();
        var failed = new List<string>();
        try
        {
            // Every rollback step runs even when one fails: each undoes its own part.
            for (var i = 0; i < run.Plan.Options.Rollback.Count; i++)
            {
                var step = run.Plan.Options.Rollback[i];
                var result = await StepAsync(run, step, StepName(step, i, "rollback"), stopping).ConfigureAwait(false);
                if (result.Failed)
                {
                    failed.Add(result.Name);
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            failed.Add("(Bulwark stopped)");
        }

        var duration = Time.GetElapsedTime(started);
        var outcome = failed.Count == 0 ? "succeeded" : "failed";
        await recorder.RecordAsync(RecoveryEventKinds.RollbackFinished, subject,
            string.Create(CultureInfo.InvariantCulture, $"{run.Plan.Name}: rollback {outcome} in {duration.TotalSeconds:0.###} s{(failed.Count == 0 ? "" : ": " + string.Join(", ", failed) + " failed")}"),
            new RecoveryEvidence { Execution = run.Id, Outcome = outcome, DurationSeconds = duration.TotalSeconds }).ConfigureAwait(false);
    }

    private async Task<bool> HoldsAsync(RecoveryConditionOptions when, RecoveryPlan plan, CancellationToken cancellationToken)
    {
        if (when.Command is { } command)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(RecoveryLimits.ConditionTimeout);
            try
            {
                var result = await CommandRunner.RunAsync(command, when.Args, 256, timeout.Token).ConfigureAwait(false);
                return result.Started && result.ExitCode == 0;
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return false;
            }
        }

        var component = when.Component ?? plan.Options.Component;
        var state = status()?.Components.FirstOrDefault(c => c.Name == component)?.State;
        return state is { } s && when.States.Contains(s);
    }

    internal static TimeSpan StepTimeout(RecoveryStepOptions step, TimeSpan maxRecoveryTime) =>
        step.TimeoutSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : Min(DefaultStepTimeout, maxRecoveryTime);

    private static string StepName(RecoveryStepOptions step, int index, string? parent)
    {
        var position = (index + 1).ToString(CultureInfo.InvariantCulture);
        var own = step.Name ?? (step.Parallel.Count > 0 ? "parallel" : RecoveryConfigurationBinder.ActionName(step.Action ?? RecoveryActionKind.Command));
        return parent is null ? $"{position}-{own}" : $"{parent}.{position}-{own}";
    }

    private static string? Bound(string? output) =>
        output is null || output.Length <= RecoveryLimits.OutputTail ? output : output[^RecoveryLimits.OutputTail..];

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private sealed record Run(RecoveryPlan Plan, string Id, ActionContext Context);

    private sealed record StepResult(string Name, bool Failed, string Detail);
}
