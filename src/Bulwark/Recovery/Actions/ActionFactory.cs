namespace Bulwark.Recovery.Actions;

/// <summary>Builds the action of a validated step.</summary>
internal sealed class ActionFactory(ProcessSupervisor supervisor, HttpClient http, string systemctl = "systemctl")
{
    public IRecoveryAction Create(RecoveryStepOptions step) => step.Action switch
    {
        RecoveryActionKind.Restart => new RestartProcessAction(supervisor, step.Process!),
        RecoveryActionKind.Systemctl => new SystemctlAction(step.Unit!, systemctl),
        RecoveryActionKind.Command => new CommandAction(step.Command!, step.Args.ToArray(), step.WorkingDirectory),
        RecoveryActionKind.Http => Http(step, "GET"),
        RecoveryActionKind.Signal => Signal(step),
        RecoveryActionKind.ClearCache => step.Url is not null ? Http(step, "POST") : new ClearCacheAction(step.Path!, step.Root!),
        RecoveryActionKind.RestoreBackup => new RestoreBackupAction(step.Source!, step.Target!, step.Manifest!),
        RecoveryActionKind.RollbackDeployment => new RollbackDeploymentAction(step.Deployment!, step.Release),
        RecoveryActionKind.Scale => new ScaleAction(supervisor, step.Process!, step.Replicas!.Value),
        _ => throw new InvalidOperationException($"step {step.Name}: no action {step.Action}"),
    };

    private HttpAction Http(RecoveryStepOptions step, string method) =>
        new(http, (step.Method ?? method).ToUpperInvariant(), new Uri(step.Url!), step.Body, step.ExpectedStatus ?? BulwarkDefaults.ExpectedStatus);

    private SignalAction Signal(RecoveryStepOptions step)
    {
        Signals.TryParse(step.Signal, out var signal);
        return step.Process is not null ? SignalAction.ToProcess(signal, supervisor, step.Process) : SignalAction.ToPidFile(signal, step.PidFile!);
    }
}
