using System.ComponentModel;
using System.Diagnostics;
using System.Text;

namespace Bulwark.Health.Checks;

/// <summary>What a command did: its exit code and the end of its output, or why it could not start.</summary>
internal readonly record struct CommandResult(int ExitCode, string Stdout, string Stderr, string? StartError)
{
    public bool Started => StartError is null;

    /// <summary>The error output when there is some, else the standard output, trimmed.</summary>
    public string Output => Stderr.Trim().Length > 0 ? Stderr.Trim() : Stdout.Trim();
}

/// <summary>
/// Runs a command without a shell, its input closed, keeping only the end of its output. On cancellation (a timeout)
/// the whole process tree is killed before the cancellation propagates, so a hung command leaves nothing behind.
/// Used by the command check and by recovery actions.
/// </summary>
internal static class CommandRunner
{
    public static async Task<CommandResult> RunAsync(
        string command,
        IEnumerable<string> args,
        int outputTail,
        CancellationToken cancellationToken,
        string? workingDirectory = null,
        IEnumerable<KeyValuePair<string, string>>? environment = null)
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

        if (workingDirectory is not null)
        {
            info.WorkingDirectory = workingDirectory;
        }

        foreach (var (name, value) in environment ?? [])
        {
            info.Environment[name] = value;
        }

        using var process = new Process { StartInfo = info };
        try
        {
            process.Start();
        }
        catch (Exception ex) when (ex is Win32Exception or InvalidOperationException)
        {
            return new CommandResult(-1, "", "", $"cannot start '{command}': {ex.Message}");
        }

        process.StandardInput.Close();
        var stdout = TailAsync(process.StandardOutput, outputTail);
        var stderr = TailAsync(process.StandardError, outputTail);
        try
        {
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            KillTree(process);
            throw;
        }

        return new CommandResult(process.ExitCode, await stdout.ConfigureAwait(false), await stderr.ConfigureAwait(false), null);
    }

    /// <summary>Kills the process and every descendant; nothing when it is already gone.</summary>
    public static void KillTree(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
        catch (Win32Exception)
        {
            // Gone between the check and the kill, or not ours to kill: either way nothing is left to do here.
        }
    }

    /// <summary>Drains a stream to its end, keeping only the last <paramref name="tail"/> characters.</summary>
    internal static async Task<string> TailAsync(StreamReader reader, int tail)
    {
        var kept = new StringBuilder();
        var buffer = new char[4096];
        int read;
        while ((read = await reader.ReadAsync(buffer).ConfigureAwait(false)) > 0)
        {
            kept.Append(buffer, 0, read);
            if (kept.Length > tail)
            {
                kept.Remove(0, kept.Length - tail);
            }
        }

        return kept.ToString();
    }
}
