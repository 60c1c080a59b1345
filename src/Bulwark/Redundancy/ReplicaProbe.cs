using System.Globalization;
using Bulwark.Health;

namespace Bulwark.Redundancy;

/// <summary>
/// What is known of a replica now, from live sources: its component's state (Healthy or Degraded count) and how fresh
/// its checks are; its pid file's process (running, not stopped by SIGSTOP, not a zombie); and for a failover group,
/// whether it holds the lease. A replica with several sources is healthy only when all of them say so.
/// </summary>
internal static class ReplicaProbe
{
    public static ReplicaObservation Observe(ReplicaTopology replica, Func<string, ComponentStatus?> components, string? leader, string? group, DateTimeOffset now, TimeSpan staleAfter)
    {
        var healthy = true;
        var stale = false;
        var evidence = new List<string>();
        if (replica.Component is { } name)
        {
            if (components(name) is not { } status)
            {
                healthy = false;
                evidence.Add($"component {name}: no status (is `bulwark run` running?)");
            }
            else
            {
                healthy &= status.State is SafetyState.Healthy or SafetyState.Degraded;
                var last = status.Checks.Select(c => c.LastRunAt).Max();
                var age = last is { } at ? now - at : (TimeSpan?)null;
                stale = age is null || age > staleAfter;
                evidence.Add(age is { } a
                    ? string.Create(CultureInfo.InvariantCulture, $"component {name} {status.State}, checked {a.TotalSeconds:F1} s ago")
                    : $"component {name} {status.State}, never checked");
            }
        }

        if (replica.PidFile is { } pidFile)
        {
            var (running, what) = Process(pidFile);
            healthy &= running;
            evidence.Add(what);
        }

        var leads = leader is not null && replica.Name == leader;
        if (replica.Component is null && replica.PidFile is null)
        {
            healthy = leads;
            evidence.Add(leads ? $"holds the lease of {group}" : $"health unknown: no component or pidFile, and it does not hold the lease of {group}");
        }
        else if (leads)
        {
            evidence.Add($"holds the lease of {group}");
        }

        return new ReplicaObservation(healthy, string.Join("; ", evidence), stale);
    }

    /// <summary>Whether the process of <paramref name="pidFile"/> runs: /proc/PID/stat exists and its state is not stopped (T, t) or dead (Z, X).</summary>
    public static (bool Running, string Evidence) Process(string pidFile)
    {
        string text;
        try
        {
            text = File.ReadAllText(pidFile).Trim();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return (false, $"no pid file {pidFile}");
        }

        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || pid <= 0)
        {
            return (false, $"pid file {pidFile} holds no pid");
        }

        var state = ProcessState(pid);
        return state switch
        {
            null => (false, $"pid {pid} not running"),
            'T' or 't' => (false, $"pid {pid} stopped (SIGSTOP)"),
            'Z' or 'X' => (false, $"pid {pid} exited (zombie)"),
            _ => (true, $"pid {pid} running"),
        };
    }

    /// <summary>The state letter of /proc/PID/stat (after the command's closing parenthesis), or null when there is no such process.</summary>
    public static char? ProcessState(int pid)
    {
        try
        {
            var stat = File.ReadAllText(string.Create(CultureInfo.InvariantCulture, $"/proc/{pid}/stat"));
            var close = stat.LastIndexOf(')');
            return close >= 0 && close + 2 < stat.Length ? stat[close + 2] : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Runs a cold standby's start command with its dry-start arguments (no shell, 5 s at most): null when it exits 0, else why not.</summary>
    public static string? DryStart(ReplicaTopology replica)
    {
        var info = new System.Diagnostics.ProcessStartInfo(replica.StartCommand!) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in replica.DryStartArgs ?? [])
        {
            info.ArgumentList.Add(arg);
        }

        try
        {
            using var process = System.Diagnostics.Process.Start(info)!;
            var drained = Task.WhenAll(process.StandardOutput.ReadToEndAsync(), process.StandardError.ReadToEndAsync());
            if (!process.WaitForExit(TimeSpan.FromSeconds(5)))
            {
                process.Kill(entireProcessTree: true);
                return "did not exit within 5 s";
            }

            drained.Wait(TimeSpan.FromSeconds(1));
            return process.ExitCode == 0 ? null : string.Create(CultureInfo.InvariantCulture, $"exited with {process.ExitCode}");
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return ex.Message;
        }
    }

    /// <summary>True when <paramref name="command"/> is an executable file, or a program found on PATH.</summary>
    public static bool CommandResolves(string command)
    {
        if (string.IsNullOrWhiteSpace(command))
        {
            return false;
        }

        if (command.Contains(Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            return IsExecutable(command);
        }

        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        return path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries).Any(dir => IsExecutable(Path.Combine(dir, command)));
    }

    private static bool IsExecutable(string path) =>
        File.Exists(path) && (OperatingSystem.IsWindows() ||
            (File.GetUnixFileMode(path) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0);
}
