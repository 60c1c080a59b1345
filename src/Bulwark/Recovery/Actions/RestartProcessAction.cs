namespace Bulwark.Recovery.Actions;

/// <summary>Restarts a supervised process: the replicas that are down after their backoff, or every replica in turn.</summary>
internal sealed class RestartProcessAction(ProcessSupervisor supervisor, string process) : IRecoveryAction
{
    public string Describe() => $"restart supervised process {process}: {supervisor.Describe(process)}";

    public Task<string> RunAsync(ActionContext context, CancellationToken cancellationToken) =>
        supervisor.RestartAsync(process, context.Manual, cancellationToken);
}
