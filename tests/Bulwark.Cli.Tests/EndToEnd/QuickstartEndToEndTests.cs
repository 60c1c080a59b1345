using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace Bulwark.Cli.Tests.EndToEnd;

/// <summary>
/// The quickstart, for real: `bulwark run` as a process watches the quickstart target (HTTP, TCP and
/// pid file); the target is killed and restarted; `bulwark events` and `bulwark status`, run as other
/// processes, read the transitions from the store while `run` is running.
/// </summary>
public sealed class QuickstartEndToEndTests : IDisposable
{
    private const string Cli = "Bulwark.Cli.dll";
    private const string Target = "QuickstartTarget.dll";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private readonly TempDirectory _dir = new();

    [Fact]
    public async Task Run_ShowsFailedWhenTheTargetStops_AndHealthyWhenItReturns()
    {
        var httpPort = FreePort();
        var tcpPort = FreePort();
        var pidFile = _dir.File("target.pid");
        var config = _dir.File("bulwark.yaml");
        await File.WriteAllTextAsync(config, QuickstartConfig(httpPort, tcpPort, pidFile));

        // The shipped example must stay valid; this run uses the same shape with test ports and faster checks.
        var shipped = await CliRunner.RunAsync("config", "check", Path.Combine(RepositoryRoot(), "examples", "quickstart.yaml"));
        Assert.True(shipped.ExitCode == 0, shipped.Stderr);

        ChildProcess? target = StartTarget(httpPort, tcpPort, pidFile);
        try
        {
            await using var run = ChildProcess.StartDotnet(Cli, _dir.Path, "run", "--config", config);

            await WaitForStateAsync("quickstart-web", "Healthy", run);

            target.Kill(); // SIGKILL: the pid file stays behind, naming a dead process
            await target.DisposeAsync();
            target = null;
            await WaitForStateAsync("quickstart-web", "Failed", run);

            target = StartTarget(httpPort, tcpPort, pidFile);
            await WaitForStateAsync("quickstart-web", "Healthy", run);

            // Another process reads the log while `run` is still running.
            var (exit, stdout, stderr) = await ChildProcess.RunDotnetAsync(Cli, _dir.Path, Deadline, "events", "--config", config, "--component", "quickstart-web", "--json");
            Assert.True(exit == 0, stderr);
            using var events = JsonDocument.Parse(stdout);
            var transitions = events.RootElement.EnumerateArray()
                .Select(e => (From: e.GetProperty("from").GetString(), To: e.GetProperty("to").GetString(), Cause: e.GetProperty("cause").GetString()))
                .ToList();
            // The three checks reach their thresholds one after another, so the way down may pass
            // through Critical (some checks failing) and the way up through Critical and Recovering.
            Assert.Equal(("Unknown", "Healthy"), (transitions[0].From, transitions[0].To));
            Assert.Equal(("Recovering", "Healthy"), (transitions[^1].From, transitions[^1].To));
            for (var i = 1; i < transitions.Count; i++)
            {
                Assert.Equal(transitions[i - 1].To, transitions[i].From);
            }

            var failed = Assert.Single(transitions, t => t.To == "Failed");
            Assert.Contains("3 consecutive failures", failed.Cause);

            var text = await ChildProcess.RunDotnetAsync(Cli, _dir.Path, Deadline, "events", "--config", config);
            Assert.Contains("-> Failed", text.Stdout);

            // The person running `run` saw the transitions as they happened.
            Assert.Contains(run.Stdout.Split('\n'), line => line.Contains("quickstart-web", StringComparison.Ordinal) && line.Contains("-> Failed", StringComparison.Ordinal));

            // The availability side, from the same log: the outage is bad time and one resolved incident.
            var sla = await ChildProcess.RunDotnetAsync(Cli, _dir.Path, Deadline, "sla", "--config", config, "--json");
            Assert.True(sla.ExitCode == 0, sla.Stderr);
            using (var report = JsonDocument.Parse(sla.Stdout))
            {
                var web = report.RootElement.GetProperty("slos").EnumerateArray().Single(s => s.GetProperty("name").GetString() == "quickstart-web");
                Assert.InRange(web.GetProperty("currentAvailability").GetDouble(), 0.01, 0.999);
            }

            var incidents = await ChildProcess.RunDotnetAsync(Cli, _dir.Path, Deadline, "incidents", "--config", config, "--json");
            using (var list = JsonDocument.Parse(incidents.Stdout))
            {
                var incident = list.RootElement.GetProperty("incidents").EnumerateArray().Single(i => i.GetProperty("subject").GetString() == "quickstart-web");
                Assert.Equal("bulwark", incident.GetProperty("resolvedBy").GetString());
            }

            // SIGTERM stops `run` cleanly, and the stop is recorded.
            run.Terminate();
            Assert.Equal(0, await run.WaitForExitAsync(Deadline));
            var stopped = await CliRunner.RunAsync("events", "--data-dir", Path.Combine(_dir.Path, ".bulwark"), "--kind", "bulwark.", "--json");
            using var kinds = JsonDocument.Parse(stopped.Stdout);
            Assert.Equal(["bulwark.started", "bulwark.stopped"], kinds.RootElement.EnumerateArray().Select(e => e.GetProperty("kind").GetString()));
        }
        finally
        {
            if (target is not null)
            {
                await target.DisposeAsync();
            }
        }
    }

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

    private ChildProcess StartTarget(int httpPort, int tcpPort, string pidFile) =>
        ChildProcess.StartDotnet(Target, _dir.Path,
            "--http-port", httpPort.ToString(CultureInfo.InvariantCulture),
            "--tcp-port", tcpPort.ToString(CultureInfo.InvariantCulture),
            "--pid-file", pidFile);

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
              - type: process
                pidFile: {pidFile}
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
