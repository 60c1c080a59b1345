using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace Bulwark.Cli.Tests.EndToEnd;

/// <summary>
/// The quickstart, for real: `bulwark run` as a process supervises the quickstart target and watches it (HTTP, TCP and
/// the supervisor's process check). The target is killed with SIGKILL: the supervisor sees the exit at once and the
/// restart plan brings it back, validated Healthy. Then it hangs (SIGSTOP): its checks fail, the component goes to
/// Failed, and the same plan, triggered by the state, restarts it. `bulwark recover history`, `bulwark events` and
/// `bulwark incidents`, run as other processes, show the detection, the recovery and its measured time.
/// </summary>
public sealed class QuickstartEndToEndTests : IDisposable
{
    private const string Cli = "Bulwark.Cli.dll";
    private const string Target = "QuickstartTarget.dll";
    private const string Plan = "restart-quickstart-web";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private readonly TempDirectory _dir = new();

    [Fact]
    public async Task Run_SupervisesTheTarget_AndItsRestartPlanRepairsACrashAndAHang()
    {
        var httpPort = FreePort();
        var tcpPort = FreePort();
        var config = _dir.File("bulwark.yaml");
        await File.WriteAllTextAsync(config, QuickstartConfig(httpPort, tcpPort, _dir.File("target.pid")));

        // The shipped example must stay valid; this run uses the same shape with test ports and faster checks.
        var shipped = await CliRunner.RunAsync("config", "check", Path.Combine(RepositoryRoot(), "examples", "quickstart.yaml"));
        Assert.True(shipped.ExitCode == 0, shipped.Stderr);
        var list = await CliRunner.RunAsync("recover", "list", "--config", config);
        Assert.Contains(Plan, list.Stdout, StringComparison.Ordinal);

        await using var run = ChildProcess.StartDotnet(Cli, _dir.Path, "run", "--config", config);
        await WaitForStateAsync("quickstart-web", "Healthy", run);
        var first = SupervisedPid();

        // A crash: the supervisor sees the exit at once, the plan restarts the target and validates it Healthy.
        Assert.True(SendSignal(first, 9) == 0);
        // Found by what it repaired, not by its place in the history: on a loaded machine a slow check can make the
        // component Critical before the kill, and that state-triggered run is not the one this step is about.
        var crash = await WaitForRunAsync(r => r.GetProperty("triggerKind").GetString() == "processExit" && Restarted(r, first), run);
        Assert.Equal(("processExit", "succeeded"), (crash.GetProperty("triggerKind").GetString(), crash.GetProperty("outcome").GetString()));
        Assert.Contains("killed by SIGKILL", crash.GetProperty("trigger").GetString(), StringComparison.Ordinal);
        var second = SupervisedPid();
        Assert.NotEqual(first, second);
        Assert.Contains($"pid {first} -> {second}", crash.GetProperty("steps")[0].GetProperty("output").GetString(), StringComparison.Ordinal);
        Assert.InRange(crash.GetProperty("durationSeconds").GetDouble(), 0.01, 60);
        Assert.True(crash.GetProperty("slaMet").GetBoolean());

        // A hang: the process lives but answers nothing (the kernel still accepts TCP connections for it). Its HTTP check
        // fails 3 times, the component is Critical, held for 2 checks the state triggers the same plan, which stops the
        // hung process (SIGTERM cannot reach it, so a kill of its tree after the grace) and starts a new one.
        Assert.True(SendSignal(second, 19) == 0);
        var hang = await WaitForRunAsync(r => r.GetProperty("triggerKind").GetString() == "state" && Restarted(r, second), run);
        Assert.Equal(("state", "succeeded"), (hang.GetProperty("triggerKind").GetString(), hang.GetProperty("outcome").GetString()));
        Assert.Contains("-> Critical", hang.GetProperty("trigger").GetString(), StringComparison.Ordinal);
        await WaitForStateAsync("quickstart-web", "Healthy", run);
        Assert.NotEqual(second, SupervisedPid());

        // `recover history` as text: both runs, their outcome and time against the SLA.
        var history = await ChildProcess.RunDotnetAsync(Cli, _dir.Path, Deadline, "recover", "history", "--config", config);
        Assert.True(history.ExitCode == 0, history.Stderr);
        Assert.True(history.Stdout.Split('\n').Count(l => l.Contains(Plan, StringComparison.Ordinal) && l.Contains("succeeded", StringComparison.Ordinal) && l.Contains("met (60 s)", StringComparison.Ordinal)) >= 2, history.Stdout);

        // `events`: the detection (the exit, the transitions) and the recovery.
        var (exit, stdout, stderr) = await ChildProcess.RunDotnetAsync(Cli, _dir.Path, Deadline, "events", "--config", config, "--component", "quickstart-web", "--json");
        Assert.True(exit == 0, stderr);
        using var events = JsonDocument.Parse(stdout);
        var kinds = events.RootElement.EnumerateArray().Select(e => e.GetProperty("kind").GetString()).ToList();
        Assert.Contains("recovery.process_failed", kinds);
        Assert.True(kinds.Count(k => k == "recovery.succeeded") >= 2, string.Join(", ", kinds));
        var critical = events.RootElement.EnumerateArray().First(e => e.GetProperty("kind").GetString() == "component.state" && e.GetProperty("to").GetString() == "Critical");
        Assert.Contains("3 consecutive failures", critical.GetProperty("cause").GetString(), StringComparison.Ordinal);

        // The person running `run` saw the failure and the recovery as they happened.
        Assert.Contains(run.Stdout.Split('\n'), line => line.Contains("quickstart-web", StringComparison.Ordinal) && line.Contains("-> Critical", StringComparison.Ordinal));
        Assert.Contains(run.Stdout.Split('\n'), line => line.Contains("recovery.succeeded", StringComparison.Ordinal) && line.Contains(Plan, StringComparison.Ordinal));

        // `incidents`: the outage as an incident whose timeline shows the recovery with its time; resolved, so MTTR counts it.
        var incidents = await ChildProcess.RunDotnetAsync(Cli, _dir.Path, Deadline, "incidents", "--config", config, "--json");
        Assert.True(incidents.ExitCode == 0, incidents.Stderr);
        using (var document = JsonDocument.Parse(incidents.Stdout))
        {
            var ofTarget = document.RootElement.GetProperty("incidents").EnumerateArray().Where(i => i.GetProperty("subject").GetString() == "quickstart-web").ToList();
            Assert.NotEmpty(ofTarget);
            Assert.All(ofTarget, i => Assert.Equal("bulwark", i.GetProperty("resolvedBy").GetString()));
            var timeline = ofTarget.SelectMany(i => i.GetProperty("timeline").EnumerateArray()).Select(e => e.GetProperty("what").GetString()!).ToList();
            Assert.Contains(timeline, w => w.Contains("recovery.process_failed", StringComparison.Ordinal));
            Assert.Contains(timeline, w => w.StartsWith("linked recovery.succeeded", StringComparison.Ordinal) && w.Contains("succeeded in", StringComparison.Ordinal));
            Assert.True(document.RootElement.GetProperty("last30Days").GetProperty("resolved").GetInt32() >= 1);
        }

        var text = await ChildProcess.RunDotnetAsync(Cli, _dir.Path, Deadline, "incidents", "--config", config);
        Assert.Contains($"{Plan} succeeded in", text.Stdout, StringComparison.Ordinal);

        // SIGTERM stops `run` cleanly: the target is stopped with it, and both stops are recorded.
        var last = SupervisedPid();
        run.Terminate();
        Assert.Equal(0, await run.WaitForExitAsync(Deadline));
        Assert.False(File.Exists($"/proc/{last}/stat") && !File.ReadAllText($"/proc/{last}/stat").Contains(") Z", StringComparison.Ordinal), "the target outlived bulwark run");
        var stopped = await CliRunner.RunAsync("events", "--data-dir", Path.Combine(_dir.Path, ".bulwark"), "--kind", "bulwark.", "--json");
        using var lifecycle = JsonDocument.Parse(stopped.Stdout);
        Assert.Equal(["bulwark.started", "bulwark.stopped"], lifecycle.RootElement.EnumerateArray().Select(e => e.GetProperty("kind").GetString()));
    }

    private int SupervisedPid() =>
        int.Parse(File.ReadAllText(Path.Combine(_dir.Path, ".bulwark", "processes", "quickstart-web.0.pid")).Trim(), CultureInfo.InvariantCulture);

    /// <summary>Whether a run's restart step stopped <paramref name="pid"/> ("pid N -> M").</summary>
    private static bool Restarted(JsonElement run, int pid) =>
        run.GetProperty("steps").EnumerateArray().Any(s => s.GetProperty("output").GetString()?.Contains($"pid {pid} -> ", StringComparison.Ordinal) == true);

    /// <summary>Waits until `recover history --json` has a finished run that <paramref name="match"/> accepts; returns the newest such.</summary>
    private async Task<JsonElement> WaitForRunAsync(Func<JsonElement, bool> match, ChildProcess run)
    {
        var deadline = TimeProvider.System.GetTimestamp() + (long)(Deadline.TotalSeconds * TimeProvider.System.TimestampFrequency);
        var last = "";
        while (TimeProvider.System.GetTimestamp() < deadline)
        {
            Assert.False(run.HasExited, $"bulwark run exited early:\n{run.Stdout}\n{run.Stderr}");
            var (exit, stdout, _) = await CliRunner.RunAsync("recover", "history", "--data-dir", Path.Combine(_dir.Path, ".bulwark"), "--json");
            if (exit == 0)
            {
                last = stdout;
                using var doc = JsonDocument.Parse(stdout);
                var found = doc.RootElement.EnumerateArray().FirstOrDefault(r => r.GetProperty("outcome").GetString() != "running" && match(r));
                if (found.ValueKind == JsonValueKind.Object)
                {
                    return found.Clone();
                }
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100));
        }

        throw new TimeoutException($"the recovery run not finished within {Deadline.TotalSeconds} s; history: {last}\n{run.Stdout}\n{run.Stderr}");
    }

    private static int SendSignal(int pid, int signal) => ChildProcess.SignalPid(pid, signal);

    private async Task WaitForStateAsync(string component, string state, ChildProcess run)
    {
        var deadline = TimeProvider.System.GetTimestamp() + (long)(Deadline.TotalSeconds * TimeProvider.System.TimestampFrequency);
        string last = "";
        while (TimeProvider.System.GetTimestamp() < deadline)
        {
            Assert.False(run.HasExited, $"bulwark run exited early:\n{run.Stdout}\n{run.Stderr}");
            var (exit, stdout, _) = await CliRunner.RunAsync("status", "--data-dir", Path.Combine(_dir.Path, ".bulwark"), "--json");
            if (exit == 0)
            {
                using var doc = JsonDocument.Parse(stdout);
                var match = doc.RootElement.GetProperty("components").EnumerateArray().Single(c => c.GetProperty("name").GetString() == component);
                last = match.GetProperty("state").GetString()!;
                if (last == state)
                {
                    return;
                }
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100));
        }

        throw new TimeoutException($"{component} did not reach {state} within {Deadline.TotalSeconds} s (last seen {last}).\n{run.Stdout}\n{run.Stderr}");
    }

    private static string QuickstartConfig(int httpPort, int tcpPort, string pidFile) => $"""
        checkIntervalSeconds: 0.2
        dataDirectory: .bulwark
        components:
          - name: quickstart-web
            criticality: critical
            failureThreshold: 3
            successThreshold: 2
            checks:
              - type: http
                url: http://127.0.0.1:{httpPort}/health
                bodyContains: ok
                timeoutSeconds: 1
              - type: tcp
                host: 127.0.0.1
                port: {tcpPort}
                timeoutSeconds: 1
        recovery:
          processes:
            - name: quickstart-web
              command: dotnet
              args: ["{Path.Combine(AppContext.BaseDirectory, Target)}", --http-port, "{httpPort}", --tcp-port, "{tcpPort}", --pid-file, "{pidFile}"]
              restart: never
              stopGraceSeconds: 2
          plans:
            - name: {Plan}
              component: quickstart-web
              triggers:
                - processExit: quickstart-web
                - state: Critical
                  checks: 2
                - state: Failed
                  checks: 2
              steps:
                - action: restart
                  process: quickstart-web
                  timeoutSeconds: 20
              validation:
                deadlineSeconds: 30
        """;

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    internal static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Bulwark.slnx")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("Bulwark.slnx not found above " + AppContext.BaseDirectory);
    }

    public void Dispose() => _dir.Dispose();
}
