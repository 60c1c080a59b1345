using System.Globalization;
using Bulwark.Health.Checks;

namespace Bulwark.Recovery.Actions;

/// <summary>Runs a command without a shell: exit code 0 is success; its output is kept bounded; a timeout kills its tree.</summary>
internal sealed class CommandAction(string command, IReadOnlyList<string> args, string? workingDirectory = null) : IRecoveryAction
{
    public string Describe() =>
        CommandLine.Format(command, args) + (workingDirectory is null ? "" : $" (in {Path.GetFullPath(workingDirectory)})");

    public async Task<string> RunAsync(ActionContext context, CancellationToken cancellationToken)
    {
        var result = await CommandRunner.RunAsync(command, args, RecoveryLimits.OutputTail, cancellationToken, workingDirectory).ConfigureAwait(false);
        if (!result.Started)
        {
            throw new RecoveryActionException(result.StartError!);
        }

        var output = Combine(result);
        if (result.ExitCode != 0)
        {
            throw new RecoveryActionException(string.Create(CultureInfo.InvariantCulture, $"{CommandLine.Format(command, args)}: exit code {result.ExitCode}"), output);
        }

        return output.Length == 0 ? "exit code 0" : "exit code 0: " + output;
    }

    private static string Combine(CommandResult result)
    {
        var stdout = result.Stdout.Trim();
        var stderr = result.Stderr.Trim();
        var both = stdout.Length > 0 && stderr.Length > 0 ? stdout + "\n" + stderr : stdout + stderr;
        return both.Length <= RecoveryLimits.OutputTail ? both : both[^RecoveryLimits.OutputTail..];
    }
}
