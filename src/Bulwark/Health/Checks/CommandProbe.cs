using System.Globalization;

namespace Bulwark.Health.Checks;

/// <summary>
/// Runs a command (no shell) and is healthy when it exits 0. On timeout the whole process tree is
/// killed before the cancellation propagates, so a hung command leaves nothing behind.
/// </summary>
internal sealed class CommandProbe(string command, IReadOnlyList<string> args) : IHealthProbe
{
    /// <summary>How much of the command's output is kept for the description.</summary>
    internal const int OutputTail = 1024;

    public async ValueTask<ProbeResult> ProbeAsync(CancellationToken cancellationToken)
    {
        var result = await CommandRunner.RunAsync(command, args, OutputTail, cancellationToken).ConfigureAwait(false);
        if (!result.Started)
        {
            return ProbeResult.Unhealthy(result.StartError!);
        }

        var output = result.Output;
        var suffix = output.Length == 0 ? "" : ": " + output;
        return result.ExitCode == 0
            ? ProbeResult.Healthy("exit code 0" + suffix)
            : ProbeResult.Unhealthy(string.Create(CultureInfo.InvariantCulture, $"exit code {result.ExitCode}{suffix}"));
    }
}
