using Bulwark.Configuration;
using Microsoft.Extensions.Configuration;

namespace Bulwark.Recovery;

/// <summary>
/// Binds the top-level <c>recovery:</c> section of <c>bulwark.yaml</c> (the main loader delegates it here), strictly:
/// every key must be known, every value must parse, and every problem is reported with its field path
/// (<c>recovery.plans[0].steps[1].timeoutSeconds</c>). The rules on the values are <see cref="RecoveryOptionsValidator"/>'s.
/// </summary>
internal sealed class RecoveryConfigurationBinder : SectionBinder
{
    private static readonly (string Name, RestartPolicy Value)[] RestartNames =
        [("on-failure", RestartPolicy.OnFailure), ("always", RestartPolicy.Always), ("never", RestartPolicy.Never)];

    private static readonly (string Name, Criticality Value)[] CriticalityNames =
        [("critical", Criticality.Critical), ("standard", Criticality.Standard), ("informational", Criticality.Informational)];

    private static readonly (string Name, StepFailure Value)[] FailureNames = [("fail", StepFailure.Fail), ("continue", StepFailure.Continue)];

    private static readonly (string Name, bool Value)[] BooleanNames = [("true", true), ("false", false)];

    private static readonly (string Name, SafetyState Value)[] StateNames =
        Enum.GetValues<SafetyState>().Select(s => (s.ToString(), s)).ToArray();

    /// <summary>The states a trigger may wait for (a plan never runs on Healthy or Unknown).</summary>
    private static readonly (string Name, SafetyState Value)[] TriggerStateNames =
        StateNames.Where(s => s.Value is not (SafetyState.Healthy or SafetyState.Unknown)).ToArray();

    internal static readonly (string Name, RecoveryActionKind Value)[] ActionNames =
        Enum.GetValues<RecoveryActionKind>().Select(a => (ActionName(a), a)).ToArray();

    private RecoveryConfigurationBinder()
    {
    }

    /// <summary>The action as a file spells it: <c>clearCache</c>, <c>rollbackDeployment</c>.</summary>
    internal static string ActionName(RecoveryActionKind kind) =>
        char.ToLowerInvariant(kind.ToString()[0]) + kind.ToString()[1..];

    /// <summary>Binds the section; the options are meaningful only when there are no errors.</summary>
    public static (RecoveryOptions Options, IReadOnlyList<OptionsError> Errors) Bind(IConfigurationSection section)
    {
        ArgumentNullException.ThrowIfNull(section);
        var binder = new RecoveryConfigurationBinder();
        var options = new RecoveryOptions();
        var node = new Node(section, OptionsPath.FromConfigurationKey(section.Path));
        if (binder.Keys(node, "processes", "plans", "maxAutomaticRuns", "automaticRunWindowSeconds"))
        {
            binder.List(node, "processes", options.Processes, binder.Process);
            binder.List(node, "plans", options.Plans, binder.Plan);
            binder.Integer(node, "maxAutomaticRuns", v => options.MaxAutomaticRuns = v);
            binder.Number(node, "automaticRunWindowSeconds", v => options.AutomaticRunWindowSeconds = v);
        }

        return (options, binder.Errors);
    }

    private SupervisedProcessOptions Process(Node node)
    {
        var process = new SupervisedProcessOptions();
        if (!Keys(node, "name", "command", "args", "environment", "workingDirectory", "replicas", "restart", "restartDelaySeconds",
                "maxRestartDelaySeconds", "restartJitter", "stableAfterSeconds", "startLimitBurst", "startLimitIntervalSeconds",
                "stopSignal", "stopGraceSeconds", "criticality"))
        {
            return process;
        }

        Text(node, "name", v => process.Name = v);
        Text(node, "command", v => process.Command = v);
        TextList(node, "args", process.Args);
        Map(node, "environment", process.Environment);
        Text(node, "workingDirectory", v => process.WorkingDirectory = v);
        Integer(node, "replicas", v => process.Replicas = v);
        Choice(node, "restart", RestartNames, v => process.Restart = v, () => process.Restart = (RestartPolicy)(-1));
        Number(node, "restartDelaySeconds", v => process.RestartDelaySeconds = v);
        Number(node, "maxRestartDelaySeconds", v => process.MaxRestartDelaySeconds = v);
        Number(node, "restartJitter", v => process.RestartJitter = v);
        Number(node, "stableAfterSeconds", v => process.StableAfterSeconds = v);
        Integer(node, "startLimitBurst", v => process.StartLimitBurst = v);
        Number(node, "startLimitIntervalSeconds", v => process.StartLimitIntervalSeconds = v);
        Text(node, "stopSignal", v => process.StopSignal = v);
        Number(node, "stopGraceSeconds", v => process.StopGraceSeconds = v);
        Choice(node, "criticality", CriticalityNames, v => process.Criticality = v);
        return process;
    }

    private RecoveryPlanOptions Plan(Node node)
    {
        var plan = new RecoveryPlanOptions();
        if (!Keys(node, "name", "component", "description", "triggers", "steps", "validation", "rollback"))
        {
            return plan;
        }

        Text(node, "name", v => plan.Name = v);
        Text(node, "component", v => plan.Component = v);
        Text(node, "description", v => plan.Description = v);
        List(node, "triggers", plan.Triggers, Trigger);
        List(node, "steps", plan.Steps, Step);
        List(node, "rollback", plan.Rollback, Step);
        if (node.Child("validation") is { } validation)
        {
            plan.Validation = Validation(validation);
        }

        return plan;
    }

    private RecoveryTriggerOptions Trigger(Node node)
    {
        var trigger = new RecoveryTriggerOptions();
        if (!Keys(node, "component", "state", "checks", "alert", "incident", "failover", "processExit"))
        {
            return trigger;
        }

        Text(node, "component", v => trigger.Component = v);
        Choice(node, "state", TriggerStateNames, v => trigger.State = v, () => trigger.State = (SafetyState)(-1));
        Integer(node, "checks", v => trigger.Checks = v);
        Text(node, "alert", v => trigger.Alert = v);
        Choice(node, "incident", BooleanNames, v => trigger.Incident = v);
        Text(node, "failover", v => trigger.Failover = v);
        Text(node, "processExit", v => trigger.ProcessExit = v);
        return trigger;
    }

    private RecoveryValidationOptions Validation(Node node)
    {
        var validation = new RecoveryValidationOptions();
        if (Keys(node, "healthy", "deadlineSeconds"))
        {
            TextList(node, "healthy", validation.Healthy);
            Number(node, "deadlineSeconds", v => validation.DeadlineSeconds = v);
        }

        return validation;
    }

    private RecoveryStepOptions Step(Node node)
    {
        var step = new RecoveryStepOptions();
        if (!Keys(node, "name", "action", "parallel", "timeoutSeconds", "retries", "retryDelaySeconds", "when", "handler", "onFailure",
                "process", "unit", "command", "args", "workingDirectory", "url", "method", "body", "expectedStatus", "signal", "pidFile",
                "path", "root", "source", "target", "manifest", "deployment", "release", "replicas"))
        {
            return step;
        }

        Text(node, "name", v => step.Name = v);
        Choice(node, "action", ActionNames, v => step.Action = v, () => step.Action = (RecoveryActionKind)(-1));
        List(node, "parallel", step.Parallel, Step);
        Number(node, "timeoutSeconds", v => step.TimeoutSeconds = v);
        Integer(node, "retries", v => step.Retries = v);
        Number(node, "retryDelaySeconds", v => step.RetryDelaySeconds = v);
        if (node.Child("when") is { } when)
        {
            step.When = Condition(when);
        }

        if (node.Child("handler") is { } handler)
        {
            step.Handler = Step(handler);
        }

        Choice(node, "onFailure", FailureNames, v => step.OnFailure = v);
        Text(node, "process", v => step.Process = v);
        Text(node, "unit", v => step.Unit = v);
        Text(node, "command", v => step.Command = v);
        TextList(node, "args", step.Args);
        Text(node, "workingDirectory", v => step.WorkingDirectory = v);
        Text(node, "url", v => step.Url = v);
        Text(node, "method", v => step.Method = v);
        Text(node, "body", v => step.Body = v);
        Text(node, "expectedStatus", v => step.ExpectedStatus = v);
        Text(node, "signal", v => step.Signal = v);
        Text(node, "pidFile", v => step.PidFile = v);
        Text(node, "path", v => step.Path = v);
        Text(node, "root", v => step.Root = v);
        Text(node, "source", v => step.Source = v);
        Text(node, "target", v => step.Target = v);
        Text(node, "manifest", v => step.Manifest = v);
        Text(node, "deployment", v => step.Deployment = v);
        Text(node, "release", v => step.Release = v);
        Integer(node, "replicas", v => step.Replicas = v);
        return step;
    }

    private RecoveryConditionOptions Condition(Node node)
    {
        var condition = new RecoveryConditionOptions();
        if (!Keys(node, "component", "states", "command", "args"))
        {
            return condition;
        }

        Text(node, "component", v => condition.Component = v);
        if (node.Child("states") is { } states && IsList(states))
        {
            foreach (var item in Items(states))
            {
                ChoiceValue(item, StateNames, condition.States.Add);
            }
        }

        Text(node, "command", v => condition.Command = v);
        TextList(node, "args", condition.Args);
        return condition;
    }
}
