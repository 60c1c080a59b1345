using System.Globalization;
using Bulwark.Configuration;

namespace Bulwark.Recovery;

/// <summary>
/// The rules of the <c>recovery:</c> section, checked once before anything runs, every violation with its field path
/// (<c>recovery.plans[0].steps[2].url</c>). Every duration is bounded to what the code handles (<see cref="RecoveryLimits"/>),
/// every reference (component, process, SLO, failover group) must exist, and each action gets exactly its own fields.
/// </summary>
internal static class RecoveryOptionsValidator
{
    private const string Root = "recovery";

    /// <summary>Fields that belong to some actions only; any other action must leave them unset.</summary>
    private static readonly (string Key, RecoveryActionKind[] Owners, Func<RecoveryStepOptions, bool> IsSet)[] ActionFields =
    [
        ("process", [RecoveryActionKind.Restart, RecoveryActionKind.Signal, RecoveryActionKind.Scale], s => s.Process is not null),
        ("unit", [RecoveryActionKind.Systemctl], s => s.Unit is not null),
        ("command", [RecoveryActionKind.Command], s => s.Command is not null),
        ("args", [RecoveryActionKind.Command], s => s.Args.Count > 0),
        ("workingDirectory", [RecoveryActionKind.Command], s => s.WorkingDirectory is not null),
        ("url", [RecoveryActionKind.Http, RecoveryActionKind.ClearCache], s => s.Url is not null),
        ("method", [RecoveryActionKind.Http, RecoveryActionKind.ClearCache], s => s.Method is not null),
        ("body", [RecoveryActionKind.Http, RecoveryActionKind.ClearCache], s => s.Body is not null),
        ("expectedStatus", [RecoveryActionKind.Http, RecoveryActionKind.ClearCache], s => s.ExpectedStatus is not null),
        ("signal", [RecoveryActionKind.Signal], s => s.Signal is not null),
        ("pidFile", [RecoveryActionKind.Signal], s => s.PidFile is not null),
        ("path", [RecoveryActionKind.ClearCache], s => s.Path is not null),
        ("root", [RecoveryActionKind.ClearCache], s => s.Root is not null),
        ("source", [RecoveryActionKind.RestoreBackup], s => s.Source is not null),
        ("target", [RecoveryActionKind.RestoreBackup], s => s.Target is not null),
        ("manifest", [RecoveryActionKind.RestoreBackup], s => s.Manifest is not null),
        ("deployment", [RecoveryActionKind.RollbackDeployment], s => s.Deployment is not null),
        ("release", [RecoveryActionKind.RollbackDeployment], s => s.Release is not null),
        ("replicas", [RecoveryActionKind.Scale], s => s.Replicas is not null),
    ];

    private static readonly string[] Methods = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"];

    /// <summary>Adds every violation of <paramref name="options"/>'s recovery section to <paramref name="errors"/>.</summary>
    public static void Validate(List<OptionsError> errors, BulwarkOptions options)
    {
        ArgumentNullException.ThrowIfNull(errors);
        ArgumentNullException.ThrowIfNull(options);
        if (options.Recovery is not { } recovery)
        {
            return;
        }

        // maxRecoveryTimeSeconds is held to RecoveryLimits.MaxPlanSeconds by the main validator, recovery section or not.
        var context = new Context(options, recovery);
        CountIn(errors, OptionsPath.Key(Root, "maxAutomaticRuns"), recovery.MaxAutomaticRuns, 1, RecoveryLimits.MaxCount);
        Seconds(errors, OptionsPath.Key(Root, "automaticRunWindowSeconds"), recovery.AutomaticRunWindowSeconds, RecoveryLimits.MaxWindowSeconds);

        var processNames = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < recovery.Processes.Count; i++)
        {
            var path = OptionsPath.Item(OptionsPath.Key(Root, "processes"), i);
            if (recovery.Processes[i] is not { } process)
            {
                errors.Add(new(path, "must not be null"));
                continue;
            }

            ValidateProcess(errors, path, process);
            if (BulwarkOptionsValidator.IsValidName(process.Name) && !processNames.TryAdd(process.Name, i))
            {
                errors.Add(new(OptionsPath.Key(path, "name"), $"duplicate process name '{process.Name}' (also recovery.processes[{Format(processNames[process.Name])}]; names are case-insensitive)"));
            }
        }

        var planNames = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < recovery.Plans.Count; i++)
        {
            var path = OptionsPath.Item(OptionsPath.Key(Root, "plans"), i);
            if (recovery.Plans[i] is not { } plan)
            {
                errors.Add(new(path, "must not be null"));
                continue;
            }

            ValidatePlan(errors, path, plan, context);
            if (!BulwarkOptionsValidator.IsValidName(plan.Name))
            {
                continue;
            }

            if (!planNames.TryAdd(plan.Name, i))
            {
                errors.Add(new(OptionsPath.Key(path, "name"), $"duplicate plan name '{plan.Name}' (also recovery.plans[{Format(planNames[plan.Name])}]; names are case-insensitive)"));
            }
            else if (recovery.Processes.FirstOrDefault(p => p is not null && p.Restart is RestartPolicy.OnFailure or RestartPolicy.Always && string.Equals(RecoveryPlan.RestartPlanName(p.Name), plan.Name, StringComparison.OrdinalIgnoreCase)) is { } owner)
            {
                errors.Add(new(OptionsPath.Key(path, "name"), $"'{plan.Name}' is the restart plan of process '{owner.Name}' (its restart policy); name this plan otherwise"));
            }
        }
    }

    private static void ValidateProcess(List<OptionsError> errors, string path, SupervisedProcessOptions process)
    {
        if (!BulwarkOptionsValidator.IsValidName(process.Name))
        {
            errors.Add(new(OptionsPath.Key(path, "name"), NameRule(process.Name)));
        }

        Required(errors, OptionsPath.Key(path, "command"), process.Command);
        for (var a = 0; a < process.Args.Count; a++)
        {
            if (process.Args[a] is null)
            {
                errors.Add(new(OptionsPath.Item(OptionsPath.Key(path, "args"), a), "must not be null"));
            }
        }

        foreach (var (name, value) in process.Environment)
        {
            if (string.IsNullOrEmpty(name) || name.Contains('=', StringComparison.Ordinal) || name.Contains('\0', StringComparison.Ordinal))
            {
                errors.Add(new(OptionsPath.Key(path, "environment"), $"'{name}' is not a variable name (no '=', not empty)"));
            }
            else if (value is null || value.Contains('\0', StringComparison.Ordinal))
            {
                errors.Add(new(OptionsPath.Key(OptionsPath.Key(path, "environment"), name), "must be a text without NUL"));
            }
        }

        if (process.WorkingDirectory is not null)
        {
            Required(errors, OptionsPath.Key(path, "workingDirectory"), process.WorkingDirectory);
        }

        CountIn(errors, OptionsPath.Key(path, "replicas"), process.Replicas, 1, RecoveryLimits.MaxReplicas);
        if (!Enum.IsDefined(process.Restart))
        {
            errors.Add(new(OptionsPath.Key(path, "restart"), $"must be one of on-failure, always, never, got {Format((int)process.Restart)}"));
        }

        Seconds(errors, OptionsPath.Key(path, "restartDelaySeconds"), process.RestartDelaySeconds, RecoveryLimits.MaxDelaySeconds);
        if (Seconds(errors, OptionsPath.Key(path, "maxRestartDelaySeconds"), process.MaxRestartDelaySeconds, RecoveryLimits.MaxDelaySeconds) &&
            process.RestartDelaySeconds is > 0 and <= RecoveryLimits.MaxDelaySeconds && process.MaxRestartDelaySeconds < process.RestartDelaySeconds)
        {
            errors.Add(new(OptionsPath.Key(path, "maxRestartDelaySeconds"), $"must be at least restartDelaySeconds ({Format(process.RestartDelaySeconds)}), got {Format(process.MaxRestartDelaySeconds)}"));
        }

        if (!(process.RestartJitter >= 0 && process.RestartJitter < 1))
        {
            errors.Add(new(OptionsPath.Key(path, "restartJitter"), $"must be a fraction from 0 up to (not including) 1, got {Format(process.RestartJitter)}"));
        }

        Seconds(errors, OptionsPath.Key(path, "stableAfterSeconds"), process.StableAfterSeconds, RecoveryLimits.MaxWindowSeconds);
        CountIn(errors, OptionsPath.Key(path, "startLimitBurst"), process.StartLimitBurst, 1, RecoveryLimits.MaxCount);
        Seconds(errors, OptionsPath.Key(path, "startLimitIntervalSeconds"), process.StartLimitIntervalSeconds, RecoveryLimits.MaxWindowSeconds);
        if (!Signals.TryParse(process.StopSignal, out _))
        {
            errors.Add(new(OptionsPath.Key(path, "stopSignal"), $"must be one of {Signals.Names}, got '{process.StopSignal}'"));
        }

        Seconds(errors, OptionsPath.Key(path, "stopGraceSeconds"), process.StopGraceSeconds, RecoveryLimits.MaxDelaySeconds);
        if (!Enum.IsDefined(process.Criticality))
        {
            errors.Add(new(OptionsPath.Key(path, "criticality"), $"must be one of critical, standard, informational, got {Format((int)process.Criticality)}"));
        }
    }

    private static void ValidatePlan(List<OptionsError> errors, string path, RecoveryPlanOptions plan, Context context)
    {
        if (!BulwarkOptionsValidator.IsValidName(plan.Name))
        {
            errors.Add(new(OptionsPath.Key(path, "name"), NameRule(plan.Name)));
        }

        if (plan.Component is not null)
        {
            context.Component(errors, OptionsPath.Key(path, "component"), plan.Component);
        }

        for (var t = 0; t < plan.Triggers.Count; t++)
        {
            var triggerPath = OptionsPath.Item(OptionsPath.Key(path, "triggers"), t);
            if (plan.Triggers[t] is not { } trigger)
            {
                errors.Add(new(triggerPath, "must not be null"));
                continue;
            }

            ValidateTrigger(errors, triggerPath, trigger, plan, context);
        }

        if (plan.Steps.Count == 0)
        {
            errors.Add(new(OptionsPath.Key(path, "steps"), "at least one step is required"));
        }

        Steps(errors, OptionsPath.Key(path, "steps"), plan.Steps, plan, context);
        Steps(errors, OptionsPath.Key(path, "rollback"), plan.Rollback, plan, context);
        if (plan.Validation is { } validation)
        {
            var validationPath = OptionsPath.Key(path, "validation");
            if (validation.Healthy.Count == 0 && plan.Component is null)
            {
                errors.Add(new(OptionsPath.Key(validationPath, "healthy"), "name the components that must be healthy (the plan has no component)"));
            }

            for (var h = 0; h < validation.Healthy.Count; h++)
            {
                context.Component(errors, OptionsPath.Item(OptionsPath.Key(validationPath, "healthy"), h), validation.Healthy[h]);
            }

            if (validation.DeadlineSeconds is { } deadline)
            {
                Seconds(errors, OptionsPath.Key(validationPath, "deadlineSeconds"), deadline, context.PlanSeconds);
            }
        }
    }

    private static void ValidateTrigger(List<OptionsError> errors, string path, RecoveryTriggerOptions trigger, RecoveryPlanOptions plan, Context context)
    {
        var kinds = new List<string>();
        if (trigger.State is not null)
        {
            kinds.Add("state");
        }

        if (trigger.Alert is not null)
        {
            kinds.Add("alert");
        }

        if (trigger.Incident)
        {
            kinds.Add("incident");
        }

        if (trigger.Failover is not null)
        {
            kinds.Add("failover");
        }

        if (trigger.ProcessExit is not null)
        {
            kinds.Add("processExit");
        }

        if (kinds.Count != 1)
        {
            errors.Add(new(path, kinds.Count == 0
                ? "set one of state (with checks), alert, incident: true, failover or processExit"
                : $"set only one of state, alert, incident, failover, processExit; got {string.Join(", ", kinds)}"));
        }

        if (trigger.Checks != 1 && trigger.State is null && kinds.Count == 1)
        {
            errors.Add(new(OptionsPath.Key(path, "checks"), "belongs to a state trigger"));
        }

        if (trigger.Component is not null)
        {
            if (trigger.State is null && !trigger.Incident)
            {
                errors.Add(new(OptionsPath.Key(path, "component"), "belongs to a state or incident trigger"));
            }

            context.Component(errors, OptionsPath.Key(path, "component"), trigger.Component);
        }
        else if ((trigger.State is not null || trigger.Incident) && plan.Component is null)
        {
            errors.Add(new(OptionsPath.Key(path, "component"), "name the component watched (the plan has no component)"));
        }

        if (trigger.State is { } state)
        {
            if (!Enum.IsDefined(state))
            {
                errors.Add(new(OptionsPath.Key(path, "state"), $"must be one of Failed, Critical, Recovering, Degraded, got {Format((int)state)}"));
            }
            else if (state is SafetyState.Healthy or SafetyState.Unknown)
            {
                errors.Add(new(OptionsPath.Key(path, "state"), $"must be one of Failed, Critical, Recovering, Degraded, got {state}"));
            }

            CountIn(errors, OptionsPath.Key(path, "checks"), trigger.Checks, 1, RecoveryLimits.MaxCount);
        }

        if (trigger.Alert is { } alert && !context.Options.Availability.Slos.Any(s => s is not null && s.Name == alert))
        {
            errors.Add(new(OptionsPath.Key(path, "alert"), $"no SLO named '{alert}' in availability.slos{Known(context.Options.Availability.Slos.Where(s => s is not null).Select(s => s.Name))}"));
        }

        if (trigger.Failover is { } group && context.Options.Failover?.Groups.Any(g => g is not null && g.Name == group) != true)
        {
            errors.Add(new(OptionsPath.Key(path, "failover"), $"no failover group named '{group}'{Known(context.Options.Failover?.Groups.Where(g => g is not null).Select(g => g.Name) ?? [])}"));
        }

        if (trigger.ProcessExit is { } name)
        {
            if (context.Process(errors, OptionsPath.Key(path, "processExit"), name) is { Restart: RestartPolicy.OnFailure or RestartPolicy.Always } process)
            {
                errors.Add(new(OptionsPath.Key(path, "processExit"),
                    $"process '{process.Name}' is restarted by its own policy (restart: {RestartName(process.Restart)}); set its restart to never so that only this plan restarts it"));
            }
        }
    }

    private static void Steps(List<OptionsError> errors, string path, IList<RecoveryStepOptions> steps, RecoveryPlanOptions plan, Context context)
    {
        for (var s = 0; s < steps.Count; s++)
        {
            Step(errors, OptionsPath.Item(path, s), steps[s], plan, context, inGroup: false);
        }
    }

    private static void Step(List<OptionsError> errors, string path, RecoveryStepOptions? step, RecoveryPlanOptions plan, Context context, bool inGroup)
    {
        if (step is null)
        {
            errors.Add(new(path, "must not be null"));
            return;
        }

        if (step.Name is not null && !BulwarkOptionsValidator.IsValidName(step.Name))
        {
            errors.Add(new(OptionsPath.Key(path, "name"), NameRule(step.Name)));
        }

        if (step.TimeoutSeconds is { } timeout)
        {
            Seconds(errors, OptionsPath.Key(path, "timeoutSeconds"), timeout, context.PlanSeconds);
        }
        CountIn(errors, OptionsPath.Key(path, "retries"), step.Retries, 0, RecoveryLimits.MaxRetries);
        Seconds(errors, OptionsPath.Key(path, "retryDelaySeconds"), step.RetryDelaySeconds, RecoveryLimits.MaxDelaySeconds);
        if (!Enum.IsDefined(step.OnFailure))
        {
            errors.Add(new(OptionsPath.Key(path, "onFailure"), $"must be fail or continue, got {Format((int)step.OnFailure)}"));
        }

        if (step.When is { } when)
        {
            Condition(errors, OptionsPath.Key(path, "when"), when, plan, context);
        }

        if (step.Handler is { } handler)
        {
            if (handler.Parallel.Count > 0 || handler.Handler is not null)
            {
                errors.Add(new(OptionsPath.Key(path, "handler"), "a handler is one action: no parallel group, no handler of its own"));
            }
            else
            {
                Step(errors, OptionsPath.Key(path, "handler"), handler, plan, context, inGroup: true);
            }
        }

        if (step.Parallel.Count > 0)
        {
            if (step.Action is not null)
            {
                errors.Add(new(OptionsPath.Key(path, "action"), "a step is either an action or a parallel group, not both"));
            }

            if (inGroup)
            {
                errors.Add(new(OptionsPath.Key(path, "parallel"), "parallel groups do not nest"));
                return;
            }

            for (var p = 0; p < step.Parallel.Count; p++)
            {
                Step(errors, OptionsPath.Item(OptionsPath.Key(path, "parallel"), p), step.Parallel[p], plan, context, inGroup: true);
            }

            foreach (var field in ActionFields.Where(f => f.IsSet(step)))
            {
                errors.Add(new(OptionsPath.Key(path, field.Key), "a parallel group has no action fields; put them on its steps"));
            }

            return;
        }

        if (step.Action is not { } action)
        {
            errors.Add(new(OptionsPath.Key(path, "action"), $"is required: one of {string.Join(", ", RecoveryConfigurationBinder.ActionNames.Select(a => a.Name))} (or a parallel group)"));
            return;
        }

        if (!Enum.IsDefined(action))
        {
            errors.Add(new(OptionsPath.Key(path, "action"), $"must be one of {string.Join(", ", RecoveryConfigurationBinder.ActionNames.Select(a => a.Name))}, got {Format((int)action)}"));
            return;
        }

        var name = RecoveryConfigurationBinder.ActionName(action);
        foreach (var field in ActionFields.Where(f => f.IsSet(step) && !f.Owners.Contains(action)))
        {
            errors.Add(new(OptionsPath.Key(path, field.Key), $"does not belong to a {name} step"));
        }

        ValidateAction(errors, path, step, action, context);
    }

    private static void ValidateAction(List<OptionsError> errors, string path, RecoveryStepOptions step, RecoveryActionKind action, Context context)
    {
        switch (action)
        {
            case RecoveryActionKind.Restart:
                RequiredProcess(errors, path, step, context);
                break;
            case RecoveryActionKind.Systemctl:
                if (Required(errors, OptionsPath.Key(path, "unit"), step.Unit) &&
                    (step.Unit!.StartsWith('-') || !step.Unit.All(c => char.IsAsciiLetterOrDigit(c) || c is ':' or '_' or '.' or '@' or '-' or '\\')))
                {
                    errors.Add(new(OptionsPath.Key(path, "unit"), $"must be a unit name (letters, digits, ':', '_', '.', '@', '-', '\\'; not starting with '-'), got '{step.Unit}'"));
                }

                break;
            case RecoveryActionKind.Command:
                Required(errors, OptionsPath.Key(path, "command"), step.Command);
                if (step.WorkingDirectory is not null)
                {
                    Required(errors, OptionsPath.Key(path, "workingDirectory"), step.WorkingDirectory);
                }

                break;
            case RecoveryActionKind.Http:
                if (step.Url is null)
                {
                    errors.Add(new(OptionsPath.Key(path, "url"), "is required for an http step"));
                }

                Http(errors, path, step);
                break;
            case RecoveryActionKind.Signal:
                if (Required(errors, OptionsPath.Key(path, "signal"), step.Signal) && !Signals.TryParse(step.Signal, out _))
                {
                    errors.Add(new(OptionsPath.Key(path, "signal"), $"must be one of {Signals.Names}, got '{step.Signal}'"));
                }

                if ((step.Process is null) == (step.PidFile is null))
                {
                    errors.Add(new(OptionsPath.Key(path, "process"), "a signal step names either a supervised process or a pidFile"));
                }
                else if (step.Process is { } process)
                {
                    context.Process(errors, OptionsPath.Key(path, "process"), process);
                }
                else
                {
                    Required(errors, OptionsPath.Key(path, "pidFile"), step.PidFile);
                }

                break;
            case RecoveryActionKind.ClearCache:
                if (step.Url is not null)
                {
                    if (step.Path is not null || step.Root is not null)
                    {
                        errors.Add(new(OptionsPath.Key(path, "url"), "a clearCache step empties a directory (path, root) or calls an endpoint (url), not both"));
                    }

                    Http(errors, path, step);
                }
                else if (Required(errors, OptionsPath.Key(path, "path"), step.Path) & Required(errors, OptionsPath.Key(path, "root"), step.Root) &&
                         !IsInside(step.Path!, step.Root!))
                {
                    errors.Add(new(OptionsPath.Key(path, "path"), $"must lie inside root '{step.Root}', got '{step.Path}'"));
                }

                break;
            case RecoveryActionKind.RestoreBackup:
                Required(errors, OptionsPath.Key(path, "source"), step.Source);
                Required(errors, OptionsPath.Key(path, "target"), step.Target);
                Required(errors, OptionsPath.Key(path, "manifest"), step.Manifest);
                break;
            case RecoveryActionKind.RollbackDeployment:
                Required(errors, OptionsPath.Key(path, "deployment"), step.Deployment);
                if (step.Release is { } release && (release.Length == 0 || release is "." or ".." || release.IndexOfAny(['/', '\\', '\0']) >= 0))
                {
                    errors.Add(new(OptionsPath.Key(path, "release"), $"must be the name of a directory in releases/, got '{release}'"));
                }

                break;
            case RecoveryActionKind.Scale:
                RequiredProcess(errors, path, step, context);
                if (step.Replicas is not { } replicas)
                {
                    errors.Add(new(OptionsPath.Key(path, "replicas"), "is required for a scale step"));
                }
                else
                {
                    CountIn(errors, OptionsPath.Key(path, "replicas"), replicas, 0, RecoveryLimits.MaxReplicas);
                }

                break;
        }
    }

    private static void Http(List<OptionsError> errors, string path, RecoveryStepOptions step)
    {
        if (step.Url is { } url && !(Uri.TryCreate(url, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)))
        {
            errors.Add(new(OptionsPath.Key(path, "url"), $"must be an absolute http or https URL, got '{url}'"));
        }

        if (step.Method is { } method && !Methods.Contains(method.ToUpperInvariant(), StringComparer.Ordinal))
        {
            errors.Add(new(OptionsPath.Key(path, "method"), $"must be one of {string.Join(", ", Methods)}, got '{method}'"));
        }

        if (step.ExpectedStatus is { } status && !BulwarkOptionsValidator.TryParseStatusRange(status, out _, out _))
        {
            errors.Add(new(OptionsPath.Key(path, "expectedStatus"), $"must be a status code or range from 100 to 599 (for example 200 or 200-299), got '{status}'"));
        }
    }

    private static void Condition(List<OptionsError> errors, string path, RecoveryConditionOptions when, RecoveryPlanOptions plan, Context context)
    {
        if ((when.States.Count > 0) == (when.Command is not null))
        {
            errors.Add(new(path, "a condition is either states (of a component) or a command, exactly one"));
        }

        if (when.States.Count > 0)
        {
            if (when.Component is not null)
            {
                context.Component(errors, OptionsPath.Key(path, "component"), when.Component);
            }
            else if (plan.Component is null)
            {
                errors.Add(new(OptionsPath.Key(path, "component"), "name the component (the plan has no component)"));
            }
        }
        else if (when.Component is not null || when.Args.Count > 0 && when.Command is null)
        {
            errors.Add(new(OptionsPath.Key(path, when.Component is not null ? "component" : "args"), "belongs with states (component) or command (args)"));
        }
    }

    private static void RequiredProcess(List<OptionsError> errors, string path, RecoveryStepOptions step, Context context)
    {
        if (step.Process is null)
        {
            errors.Add(new(OptionsPath.Key(path, "process"), $"is required: the name of a supervised process in recovery.processes{Known(context.Recovery.Processes.Where(p => p is not null).Select(p => p.Name))}"));
        }
        else
        {
            context.Process(errors, OptionsPath.Key(path, "process"), step.Process);
        }
    }

    /// <summary>True when <paramref name="path"/> is <paramref name="root"/> or below it, as written (links are checked when it runs).</summary>
    internal static bool IsInside(string path, string root)
    {
        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));
        var top = Path.TrimEndingDirectorySeparator(Path.GetFullPath(root));
        return full == top || full.StartsWith(top + Path.DirectorySeparatorChar, StringComparison.Ordinal);
    }

    private static bool Required(List<OptionsError> errors, string path, string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            errors.Add(new(path, "is required and must not be empty"));
            return false;
        }

        if (value.Contains('\0', StringComparison.Ordinal))
        {
            errors.Add(new(path, "must not contain NUL"));
            return false;
        }

        return true;
    }

    private static bool Seconds(List<OptionsError> errors, string path, double value, double max)
    {
        if (!(value > 0 && value <= max))
        {
            errors.Add(new(path, $"must be greater than 0 and at most {Format(max)} seconds, got {Format(value)}"));
            return false;
        }

        return true;
    }

    private static void CountIn(List<OptionsError> errors, string path, int value, int min, int max)
    {
        if (value < min || value > max)
        {
            errors.Add(new(path, $"must be from {Format(min)} to {Format(max)}, got {Format(value)}"));
        }
    }

    private static string Known(IEnumerable<string> names)
    {
        var list = names.ToList();
        return list.Count == 0 ? " (there are none)" : $" (known: {string.Join(", ", list)})";
    }

    internal static string RestartName(RestartPolicy policy) => policy switch
    {
        RestartPolicy.OnFailure => "on-failure",
        RestartPolicy.Always => "always",
        _ => "never",
    };

    private static string NameRule(string? name) =>
        $"must be 1 to {Format(BulwarkDefaults.MaxNameLength)} letters, digits, '.', '_' or '-', got '{name}'";

    private static string Format(double value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Format(int value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>What references are checked against: components (with the supervised ones) and processes.</summary>
    private sealed class Context(BulwarkOptions options, RecoveryOptions recovery)
    {
        public BulwarkOptions Options { get; } = options;

        public RecoveryOptions Recovery { get; } = recovery;

        public double PlanSeconds { get; } = double.IsFinite(options.MaxRecoveryTimeSeconds) && options.MaxRecoveryTimeSeconds > 0
            ? Math.Min(options.MaxRecoveryTimeSeconds, RecoveryLimits.MaxPlanSeconds)
            : RecoveryLimits.MaxPlanSeconds;

        public void Component(List<OptionsError> errors, string path, string name)
        {
            var known = Options.Components.Where(c => c is not null).Select(c => c.Name)
                .Concat(Recovery.Processes.Where(p => p is not null).Select(p => p.Name))
                .Distinct(StringComparer.Ordinal)
                .ToList();
            if (!known.Contains(name, StringComparer.Ordinal))
            {
                errors.Add(new(path, $"no component named '{name}'{Known(known)}"));
            }
        }

        public SupervisedProcessOptions? Process(List<OptionsError> errors, string path, string name)
        {
            var process = Recovery.Processes.FirstOrDefault(p => p is not null && p.Name == name);
            if (process is null)
            {
                errors.Add(new(path, $"no supervised process named '{name}' in recovery.processes{Known(Recovery.Processes.Where(p => p is not null).Select(p => p.Name))}"));
            }

            return process;
        }
    }
}
