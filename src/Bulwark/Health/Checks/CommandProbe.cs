using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text;

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
        var info = new ProcessStartInfo(command)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = new Process { StartInfo = info };
        try
        {
            process.Start();
        }
        catch (Win32Exception ex)
        {
            return ProbeResult.Unhealthy($"cannot start '{command}': {ex.Message}", ex);
        }

        process.StandardInput.Close();
        var stdout = TailAsync(process.StandardOutput);
        var stderr = TailAsync(process.StandardError);
        try
        {
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            Kill(process);
            throw;
        }

        var output = (await stderr.ConfigureAwait(false)).Trim();
        if (output.Length == 0)
        {
            output = (await stdout.ConfigureAwait(false)).Trim();
        }

        var suffix = output.Length == 0 ? "" : ": " + output;
        return process.ExitCode == 0
            ? ProbeResult.Healthy("exit code 0" + suffix)
            : ProbeResult.Unhealthy(string.Create(CultureInfo.InvariantCulture, $"exit code {process.ExitCode}{suffix}"));
    }

    private static void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    /// <summary>Drains a stream to its end, keeping only the last <see cref="OutputTail"/> characters.</summary>
    private static async Task<string> TailAsync(StreamReader reader)
    {
        var tail = new StringBuilder();
        var buffer = new char[4096];
        int read;
        while ((read = await reader.ReadAsync(buffer).ConfigureAwait(false)) > 0)
        {
            tail.Append(buffer, 0, read);
            if (tail.Length > OutputTail)
            {
                tail.Remove(0, tail.Length - OutputTail);
            }
        }

        return tail.ToString();
    }
}
