using System.Globalization;

namespace Bulwark.Recovery.Actions;

/// <summary>Sets the number of replicas of a supervised process group.</summary>
internal sealed class ScaleAction(ProcessSupervisor supervisor, string process, int replicas) : IRecoveryAction
{
    public string Describe() => string.Create(CultureInfo.InvariantCulture, $"scale supervised process {process} to {replicas} replica(s): {supervisor.Describe(process)}");

    public Task<string> RunAsync(ActionContext context, CancellationToken cancellationToken) =>
        supervisor.ScaleAsync(process, replicas, cancellationToken);
}
