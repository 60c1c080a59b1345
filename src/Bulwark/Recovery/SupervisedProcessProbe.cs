using Bulwark.Health;
using Bulwark.Health.Checks;

namespace Bulwark.Recovery;

/// <summary>
/// The <c>process</c> check every supervised process gets: each replica that should run is alive (not a zombie), read
/// from the pid file the supervisor keeps, with the same probe as any <c>process</c> check. The number of replicas is
/// the supervisor's now, so a scale changes what the check expects.
/// </summary>
internal sealed class SupervisedProcessProbe(ProcessSupervisor supervisor, string process) : IHealthProbe
{
    public async ValueTask<ProbeResult> ProbeAsync(CancellationToken cancellationToken)
    {
        var pidFiles = supervisor.PidFiles(process);
        if (pidFiles.Count == 0)
        {
            return ProbeResult.Healthy($"{process} is scaled to 0 replicas");
        }

        var running = new List<string>();
        foreach (var pidFile in pidFiles)
        {
            var result = await new ProcessProbe(pidFile, null).ProbeAsync(cancellationToken).ConfigureAwait(false);
            if (result.Status != CheckStatus.Healthy)
            {
                return ProbeResult.Unhealthy($"{running.Count}/{pidFiles.Count} replicas running; {result.Description}");
            }

            running.Add(result.Description);
        }

        return ProbeResult.Healthy($"{pidFiles.Count}/{pidFiles.Count} replicas running: {string.Join("; ", running)}");
    }
}
