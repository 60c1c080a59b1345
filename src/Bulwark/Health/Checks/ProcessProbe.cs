using System.Globalization;

namespace Bulwark.Health.Checks;

/// <summary>
/// Healthy when the process named by a pid file is alive (not a zombie), with the expected name if one
/// is given; or, with a name alone, when any live process has that name.
/// </summary>
internal sealed class ProcessProbe(string? pidFile, string? processName) : IHealthProbe
{
    public async ValueTask<ProbeResult> ProbeAsync(CancellationToken cancellationToken)
    {
        if (pidFile is null)
        {
            var count = ProcessTable.CountAlive(processName!);
            return count > 0
                ? ProbeResult.Healthy(string.Create(CultureInfo.InvariantCulture, $"{count} process(es) named '{processName}' running"))
                : ProbeResult.Unhealthy($"no running process named '{processName}'");
        }

        string text;
        try
        {
            text = await File.ReadAllTextAsync(pidFile, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return ProbeResult.Unhealthy($"pid file {pidFile} not found");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return ProbeResult.Unhealthy($"cannot read pid file {pidFile}: {ex.Message}", ex);
        }

        if (!int.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || pid <= 0)
        {
            return ProbeResult.Unhealthy($"pid file {pidFile} does not hold a process id (got '{Shorten(text.Trim())}')");
        }

        var process = ProcessTable.Inspect(pid);
        if (process is null)
        {
            return ProbeResult.Unhealthy(string.Create(CultureInfo.InvariantCulture, $"process {pid} (from {pidFile}) is not running"));
        }

        if (process.Value.Exited)
        {
            return ProbeResult.Unhealthy(string.Create(CultureInfo.InvariantCulture, $"process {pid} (from {pidFile}) has exited (zombie)"));
        }

        if (processName is not null && !ProcessTable.NameMatches(process.Value.Name, processName))
        {
            return ProbeResult.Unhealthy(string.Create(CultureInfo.InvariantCulture,
                $"process {pid} (from {pidFile}) is '{process.Value.Name}', expected '{processName}'"));
        }

        return ProbeResult.Healthy(string.Create(CultureInfo.InvariantCulture, $"process {pid} ({process.Value.Name}) is running"));
    }

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "...";
}

/// <summary>Reads the process table: /proc on Linux (which shows zombies), System.Diagnostics.Process elsewhere.</summary>
internal static class ProcessTable
{
    /// <summary>The kernel keeps at most this many characters of a process name in /proc/PID/comm.</summary>
    private const int LinuxCommLength = 15;

    public static (string Name, bool Exited)? Inspect(int pid)
    {
        if (OperatingSystem.IsLinux())
        {
            return InspectLinux(pid.ToString(CultureInfo.InvariantCulture));
        }

        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return (process.ProcessName, process.HasExited);
        }
        catch (ArgumentException)
        {
            return null;
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    public static int CountAlive(string name)
    {
        if (!OperatingSystem.IsLinux())
        {
            var processes = System.Diagnostics.Process.GetProcessesByName(name);
            var alive = processes.Count(p => !p.HasExited);
            foreach (var p in processes)
            {
                p.Dispose();
            }

            return alive;
        }

        var count = 0;
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            var pid = Path.GetFileName(directory);
            if (pid.Length > 0 && pid.All(char.IsAsciiDigit) && InspectLinux(pid) is { Exited: false } process && NameMatches(process.Name, name))
            {
                count++;
            }
        }

        return count;
    }

    /// <summary>Linux truncates names to 15 characters; a longer expected name matches its truncation.</summary>
    public static bool NameMatches(string actual, string expected) =>
        string.Equals(actual, expected, StringComparison.Ordinal) ||
        (actual.Length == LinuxCommLength && expected.Length > LinuxCommLength && expected.StartsWith(actual, StringComparison.Ordinal));

    private static (string Name, bool Exited)? InspectLinux(string pid)
    {
        try
        {
            // /proc/PID/stat is "PID (comm) STATE ...": the name may hold spaces and parentheses, so the
            // state is the first field after the last ')'. Z is a zombie, X is dead.
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var close = stat.LastIndexOf(')');
            var open = stat.IndexOf('(', StringComparison.Ordinal);
            if (open < 0 || close < open || close + 2 >= stat.Length)
            {
                return null;
            }

            var state = stat[close + 2];
            return (stat[(open + 1)..close], state is 'Z' or 'X');
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
