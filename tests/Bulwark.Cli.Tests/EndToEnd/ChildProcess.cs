using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Bulwark.Cli.Tests.EndToEnd;

/// <summary>A real child process (`dotnet X.dll ...`) whose output the test can read and wait on.</summary>
internal sealed partial class ChildProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _stdout = new();
    private readonly ConcurrentQueue<string> _stderr = new();

    private ChildProcess(Process process)
    {
        _process = process;
    }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public string Stdout => string.Join('\n', _stdout);

    public string Stderr => string.Join('\n', _stderr);

    /// <summary>Starts `dotnet ASSEMBLY ARGS` with the test's own output folder as the assembly's home.</summary>
    public static ChildProcess StartDotnet(string assembly, string workingDirectory, params string[] args) =>
        StartDotnet(assembly, workingDirectory, onStdoutLine: null, args);

    /// <summary>
    /// As <see cref="StartDotnet(string, string, string[])"/>, calling <paramref name="onStdoutLine"/> on the reading
    /// thread with each line as it arrives (before it is queued), for a test that must react the moment a line is out.
    /// </summary>
    public static ChildProcess StartDotnet(string assembly, string workingDirectory, Action<ChildProcess, string>? onStdoutLine, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, assembly));
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        // Runs in parallel must not meet on the API's default port: each takes a free one unless the test chose.
        if (args is ["run", ..] && !args.Contains("--urls"))
        {
            info.ArgumentList.Add("--urls");
            info.ArgumentList.Add("http://127.0.0.1:0");
        }

        // Configuration must come from the file under test, not from the developer's environment.
        foreach (var key in info.Environment.Keys.Where(k => k.StartsWith("BULWARK__", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            info.Environment.Remove(key);
        }

        var process = new Process { StartInfo = info };
        var child = new ChildProcess(process);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                onStdoutLine?.Invoke(child, e.Data);
                child._stdout.Enqueue(e.Data);
            }
        };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { child._stderr.Enqueue(e.Data); } };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>Runs `dotnet ASSEMBLY ARGS` to the end (bounded) and returns its exit code and output.</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunDotnetAsync(string assembly, string workingDirectory, TimeSpan timeout, params string[] args)
    {
        await using var child = StartDotnet(assembly, workingDirectory, args);
        using var cts = new CancellationTokenSource(timeout);
        await child._process.WaitForExitAsync(cts.Token);
        return (child.ExitCode, child.Stdout, child.Stderr);
    }

    /// <summary>SIGKILL: the process gets no chance to clean up.</summary>
    public void Kill() => _process.Kill(entireProcessTree: true);

    public const int SigHup = 1;
    public const int SigTerm = 15;

    /// <summary>SIGTERM: the polite stop a service manager sends.</summary>
    public void Terminate() => Signal(SigTerm);

    /// <summary>Sends a signal (kill(2)).</summary>
    public void Signal(int signal)
    {
        if (SendSignal(_process.Id, signal) != 0)
        {
            throw new InvalidOperationException($"kill({_process.Id}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    /// <summary>kill(2) on any pid (a grandchild the test did not start itself); 0 when sent.</summary>
    public static int SignalPid(int pid, int signal) => SendSignal(pid, signal);

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _process.WaitForExitAsync(cts.Token);
        }

        _process.Dispose();
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int SendSignal(int pid, int signal);
}
