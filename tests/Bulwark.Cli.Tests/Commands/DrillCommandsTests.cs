using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Bulwark.Configuration;
using Bulwark.Redundancy;

namespace Bulwark.Cli.Tests.Commands;

/// <summary>
/// <c>bulwark drill failover|zone|history</c> with real processes: PaperTrader replicas supervised by a running safety
/// system (the leader killed, a new leader under a larger token, the killed one restarted), plain processes frozen by a
/// zone drill and continued, and a drill refused below N+1. Every wait is bounded.
/// </summary>
public sealed class DrillCommandsTests : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);
    private readonly TempDirectory _dir = new();
    private readonly List<Process> _processes = [];

    [Fact]
    public async Task FailoverDrill_KillsTheLeader_AndReportsMeasuredDetectionAndRecovery()
    {
        var path = _dir.File("bulwark.yaml");
        File.WriteAllText(path, string.Create(CultureInfo.InvariantCulture, $"""
            dataDirectory: {_dir.Path}
            checkIntervalSeconds: 0.2
            maxRecoveryTimeSeconds: 10
            recovery:
              processes:
                - name: trader
                  command: dotnet
                  args: ["{Path.Combine(AppContext.BaseDirectory, "PaperTrader.dll")}", --replica, trader, --backend, sqlite, --coordinator, "{_dir.File("leases.db")}",
                         --venue, "http://127.0.0.1:9", --ttl-ms, "1000", --margin-ms, "300", --renew-ms, "200", --retry-ms, "50", --interval-ms, "20"]
                  replicas: 3
                  restart: always
                  restartDelaySeconds: 0.1
            failover:
              replica: observer
              coordinator: {"{"} backend: sqlite, path: leases.db {"}"}
              groups:
                - {"{"} name: engines, observe: true {"}"}
            redundancy:
              drillTimeoutSeconds: 30
              services:
                - {"{"} name: engines, type: activePassive, failoverGroup: engines, process: trader, trading: true, capacity: 1, level: 2, host: localhost, zone: local, region: local {"}"}
            """));
        var load = BulwarkConfiguration.Load(path);
        Assert.True(load.IsValid, string.Join("\n", load.Errors));
        await using var system = SafetySystem.Create(load.Options!);
        await system.StartAsync();

        // Steady state: three replicas running, one of them leading.
        await Eventually.WaitUntilAsync(async () =>
        {
            var (exit, stdout, _) = await CliRunner.RunAsync("redundancy", "-c", path, "--json");
            using var json = JsonDocument.Parse(stdout);
            return exit == 0 && json.RootElement.GetProperty("services")[0].GetProperty("replicas").EnumerateArray().Any(r => r.GetProperty("leader").GetBoolean());
        }, Deadline, "three traders running and one leading (N+2)");

        var (refusedExit, refused, _) = await CliRunner.RunAsync("drill", "failover", "-c", path, "--group", "engines");
        Assert.Equal(1, refusedExit);
        Assert.Contains("reason: trading is live on engines: pass --force to drill anyway", refused, StringComparison.Ordinal);

        var (exitCode, text, errors) = await CliRunner.RunAsync("drill", "failover", "-c", path, "--group", "engines", "--signal", "kill", "--force", "--by", "tester");

        Assert.True(exitCode == 0, text + errors);
        Assert.Contains("Drill failover engines (SIGKILL, by tester, forced): PASSED", text, StringComparison.Ordinal);
        var (_, history, _) = await CliRunner.RunAsync("drill", "history", "-c", path, "--json");
        using var document = JsonDocument.Parse(history);
        var report = JsonSerializer.Deserialize<DrillReport>(document.RootElement[0].GetRawText(), Storage.BulwarkJson.Options)!;
        Assert.Equal(("passed", "N+2"), (report.Verdict, report.SteadyState["engines"]));
        Assert.True(report.TokenAfter > report.TokenBefore, $"token {report.TokenBefore} -> {report.TokenAfter}");
        // The new leader may be the killed replica itself, restarted by the supervisor before the lease ran out: a new
        // process and a new term either way.
        Assert.StartsWith("trader.", report.LeaderAfter, StringComparison.Ordinal);
        Assert.InRange(report.DetectionSeconds!.Value, 0, report.RecoverySeconds!.Value);
        Assert.InRange(report.RecoverySeconds.Value, 0.05, 10); // a 1 s lease: measured, never instantaneous
        Assert.NotNull(report.LevelReturnSeconds);
        Assert.Equal("refused", JsonSerializer.Deserialize<DrillReport>(document.RootElement[1].GetRawText(), Storage.BulwarkJson.Options)!.Verdict);

        // The fault was recorded before the kill, on the supervised process the incident opens on.
        var faults = await system.Events.ReadAsync(new EventQuery { KindPrefix = Availability.AvailabilityEventKinds.FaultInjected, Limit = 10 });
        Assert.Equal(report.FaultInjectedAt, Assert.Single(faults).Time);
        Assert.Equal("trader", faults[0].Subject);
        TestOutput($"failover drill: detected {report.DetectionSeconds:0.000} s, recovered {report.RecoverySeconds:0.000} s, level back {report.LevelReturnSeconds:0.000} s");
    }

    [Fact]
    public async Task ZoneDrill_StopsTwoReplicas_AndRestoresThem()
    {
        var path = Plain(("a0", "za"), ("a1", "za"), ("b0", "zb"), ("b1", "zb"));

        var (exit, stdout, stderr) = await CliRunner.RunAsync("drill", "zone", "-c", path, "--zone", "za", "--json");

        Assert.True(exit == 0, stdout + stderr);
        var report = JsonSerializer.Deserialize<DrillReport>(stdout, Storage.BulwarkJson.Options)!;
        Assert.Equal(("passed", "SIGSTOP", "N+2"), (report.Verdict, report.Signal, report.SteadyState["api"]));
        Assert.Equal(["a0", "a1"], report.Stopped.Select(s => s.Split(' ')[0]));
        Assert.Equal(2, report.Restored.Count(r => r.StartsWith("SIGCONT to a", StringComparison.Ordinal) && !r.Contains("failed", StringComparison.Ordinal)));
        Assert.NotNull(report.DetectedAt);
        Assert.NotNull(report.LevelReturnedAt);
        Assert.All(_processes, p => Assert.NotEqual('T', ReplicaProbe.ProcessState(p.Id))); // nothing left stopped

        var (_, text, _) = await CliRunner.RunAsync("drill", "history", "-c", path);
        Assert.Contains("zone za", text, StringComparison.Ordinal);
        Assert.Contains("passed", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Drill_BelowNPlus1_IsRefused_AndStopsNothing()
    {
        var path = Plain(("a0", "za"), ("b0", "zb")); // N=2 with 2 healthy: N+0

        var (exit, stdout, _) = await CliRunner.RunAsync("drill", "zone", "-c", path, "--zone", "za", "--signal", "stop");

        Assert.Equal(1, exit);
        Assert.Contains("Drill zone za (SIGSTOP, by", stdout, StringComparison.Ordinal);
        Assert.Contains("REFUSED", stdout, StringComparison.Ordinal);
        Assert.Contains("reason: api is at N+0, below N+1: the drill would take it below N", stdout, StringComparison.Ordinal);
        Assert.All(_processes, p => Assert.Equal('S', ReplicaProbe.ProcessState(p.Id))); // sleeping, never stopped
        var (_, history, _) = await CliRunner.RunAsync("drill", "history", "-c", path, "--json");
        Assert.Contains("\"verdict\": \"refused\"", history, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--signal", "hup", "error: --signal must be kill, term or stop, got 'hup'")]
    [InlineData("--zone", "zz", "error: --zone: no service of the redundancy section has a replica in zone 'zz'")]
    [InlineData("--timeout", "soon", "error: --timeout must be a duration")]
    [InlineData("--by", "", "error: --by: must name someone")]
    [InlineData("--by", "a\u0001b", "error: --by: must not hold control characters")]
    public async Task BadArgument_Exits2_NamingIt(string option, string value, string message)
    {
        var path = Plain(("a0", "za"));
        var args = option == "--zone" ? new[] { "drill", "zone", "-c", path, "--zone", value } : ["drill", "zone", "-c", path, "--zone", "za", option, value];

        var (exit, _, stderr) = await CliRunner.RunAsync(args);

        Assert.Equal(2, exit);
        Assert.Contains(message, stderr, StringComparison.Ordinal);
    }

    /// <summary>A service of plain processes (sleep), one per replica, each with its pid file; N=2 and k=2.</summary>
    private string Plain(params (string Name, string Zone)[] replicas)
    {
        var lines = new List<string>();
        foreach (var (name, zone) in replicas)
        {
            var process = Process.Start(new ProcessStartInfo("sleep", "120") { UseShellExecute = false })!;
            _processes.Add(process);
            File.WriteAllText(_dir.File(name + ".pid"), process.Id.ToString(CultureInfo.InvariantCulture));
            lines.Add($"        - {{ name: {name}, pidFile: {name}.pid, host: {name}, zone: {zone} }}");
        }

        var path = _dir.File("plain.yaml");
        File.WriteAllText(path, $"""
            dataDirectory: {_dir.Path}
            components:
              - name: gateway
                checks:
                  - {"{"} type: tcp, host: 127.0.0.1, port: 9 {"}"}
            redundancy:
              drillTimeoutSeconds: 20
              services:
                - name: api
                  type: activeActive
                  capacity: 2
                  level: 2
                  region: eu
                  replicas:
            {string.Join("\n", lines)}

            """);
        return path;
    }

    private static void TestOutput(string line) => Console.WriteLine(line);

    public void Dispose()
    {
        foreach (var process in _processes)
        {
            if (!process.HasExited)
            {
                process.Kill();
            }

            process.Dispose();
        }

        _dir.Dispose();
    }
}
