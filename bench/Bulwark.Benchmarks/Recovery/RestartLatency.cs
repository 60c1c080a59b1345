using System.Diagnostics;
using System.Globalization;
using System.Text;
using Bulwark.Recovery;

namespace Bulwark.Benchmarks.Recovery;

/// <summary>
/// kill -9 of a supervised process, measured with real processes: from the kill to the exit seen by the supervisor, to
/// the restart (a new pid), and to Healthy again (the restart plan's validation: every check of the component passing
/// on a run that began after the restart). The target is the quickstart's (a real .NET HTTP service, so "Healthy"
/// includes its start-up); its restart policy is on-failure with systemd's RestartSec=100ms and 10 % jitter.
/// Run by bench/recovery/measure.sh.
/// </summary>
internal static class RestartLatency
{
    public static async Task<int> RunAsync(string[] args)
    {
        var rounds = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 100;
        var target = args.Length > 1 ? Path.GetFullPath(args[1]) : throw new ArgumentException("usage: restart-latency ROUNDS QUICKSTART_TARGET_DLL [REPORT]");
        var report = args.Length > 2 ? args[2] : null;
        var directory = Directory.CreateTempSubdirectory("bulwark-restart-latency-").FullName;
        var (httpPort, tcpPort) = (FreePort(), FreePort());
        var options = Options(directory, target, httpPort, tcpPort);

        await using var system = SafetySystem.Create(options);
        await system.StartAsync();
        var recovery = system.Recovery!;
        var exited = new Dictionary<int, long>();
        var restarted = new Dictionary<int, (int Pid, long At)>();
        var healthy = new List<long>();
        var sync = new Lock();
        recovery.Supervisor.Changed += change =>
        {
            lock (sync)
            {
                if (change.Kind == ProcessEventKind.Failed)
                {
                    exited[change.Pid] = change.Timestamp;
                }
                else if (change is { Kind: ProcessEventKind.Started, PreviousPid: { } previous })
                {
                    restarted[previous] = (change.Pid, change.Timestamp);
                }
            }
        };
        recovery.Recorded += e =>
        {
            if (e.Kind == RecoveryEventKinds.Validated && RecoveryHistory.Parse(e.Evidence)?.Outcome == "passed")
            {
                lock (sync)
                {
                    healthy.Add(Stopwatch.GetTimestamp());
                }
            }
        };

        await WaitAsync(() => system.Manager.GetState("target") == SafetyState.Healthy, TimeSpan.FromSeconds(60), "the target Healthy at start");
        var detect = new List<double>();
        var restart = new List<double>();
        var backHealthy = new List<double>();
        for (var round = 0; round < rounds; round++)
        {
            var pid = recovery.Supervisor.Status("target").Replicas[0].Pid ?? throw new InvalidOperationException("the target is not running");
            int before;
            lock (sync)
            {
                before = healthy.Count;
            }

            // The backoff starts from its first delay again once a run has lasted stableAfterSeconds.
            await Task.Delay(TimeSpan.FromSeconds(options.Recovery!.Processes[0].StableAfterSeconds + 0.1));
            var killedAt = Stopwatch.GetTimestamp();
            if (!Posix.TrySignal(pid, Signals.Kill, out var errno))
            {
                throw new InvalidOperationException($"kill -9 {pid}: {Posix.Describe(errno)}");
            }

            await WaitAsync(() => { lock (sync) { return restarted.ContainsKey(pid) && healthy.Count > before; } }, TimeSpan.FromSeconds(60), $"round {round}: restart and validation");
            lock (sync)
            {
                detect.Add(Stopwatch.GetElapsedTime(killedAt, exited[pid]).TotalMilliseconds);
                restart.Add(Stopwatch.GetElapsedTime(killedAt, restarted[pid].At).TotalMilliseconds);
                backHealthy.Add(Stopwatch.GetElapsedTime(killedAt, healthy[before]).TotalMilliseconds);
            }

            if ((round + 1) % 10 == 0)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {round + 1}/{rounds} rounds: restarted p50 {Percentile(restart, 0.5):0.0} ms, Healthy p50 {Percentile(backHealthy, 0.5):0.0} ms"));
            }
        }

        var history = await RecoveryHistory.ReadAsync(system.Events);
        await system.StopAsync();
        var process = options.Recovery!.Processes[0];
        var text = new StringBuilder()
            .AppendLine(CultureInfo.InvariantCulture, $"kill -9 of a supervised process (samples/QuickstartTarget), {rounds} rounds, SQLite event store")
            .AppendLine(CultureInfo.InvariantCulture, $"restart policy on-failure, restartDelaySeconds {process.RestartDelaySeconds} (systemd RestartSec=100ms), jitter ±{process.RestartJitter * 100:0} %; checks http + tcp + supervisor every {options.CheckIntervalSeconds} s")
            .AppendLine(Line("exit seen by the supervisor", detect))
            .AppendLine(Line("restarted (new pid)", restart))
            .AppendLine(Line("Healthy again (validated)", backHealthy))
            .AppendLine(CultureInfo.InvariantCulture, $"recover history: {history.Count(r => r.Outcome == RecoveryOutcome.Succeeded)} of {history.Count} runs succeeded, {history.Count(r => r.SlaMet == true)} within the {options.MaxRecoveryTimeSeconds} s SLA")
            .ToString();
        Console.Write(text);
        if (report is not null)
        {
            await File.WriteAllTextAsync(report, text);
        }

        Directory.Delete(directory, recursive: true);
        return restart.Count == rounds ? 0 : 1;
    }

    private static BulwarkOptions Options(string directory, string target, int httpPort, int tcpPort)
    {
        var options = new BulwarkOptions { DataDirectory = Path.Combine(directory, "data"), CheckIntervalSeconds = 0.1, Recovery = new RecoveryOptions() };
        var component = new ComponentOptions { Name = "target", Criticality = Criticality.Critical, FailureThreshold = 3, SuccessThreshold = 1 };
        component.Checks.Add(new CheckOptions { Type = CheckType.Http, Url = $"http://127.0.0.1:{httpPort}/health", TimeoutSeconds = 1 });
        component.Checks.Add(new CheckOptions { Type = CheckType.Tcp, Host = "127.0.0.1", Port = tcpPort, TimeoutSeconds = 1 });
        options.Components.Add(component);
        var process = new SupervisedProcessOptions { Name = "target", Command = "dotnet", StableAfterSeconds = 0.5, StartLimitBurst = 1000 };
        foreach (var arg in new[] { target, "--http-port", httpPort.ToString(CultureInfo.InvariantCulture), "--tcp-port", tcpPort.ToString(CultureInfo.InvariantCulture), "--pid-file", Path.Combine(directory, "target.pid") })
        {
            process.Args.Add(arg);
        }

        options.Recovery.Processes.Add(process);
        return options;
    }

    private static string Line(string what, List<double> values) => string.Create(CultureInfo.InvariantCulture,
        $"{what,-30} p50 {Percentile(values, 0.50),8:0.0} ms   p99 {Percentile(values, 0.99),8:0.0} ms   max {values.Max(),8:0.0} ms");

    /// <summary>Nearest rank.</summary>
    private static double Percentile(List<double> values, double fraction)
    {
        var sorted = values.Order().ToList();
        return sorted[Math.Clamp((int)Math.Ceiling(fraction * sorted.Count) - 1, 0, sorted.Count - 1)];
    }

    private static async Task WaitAsync(Func<bool> condition, TimeSpan timeout, string what)
    {
        var started = Stopwatch.GetTimestamp();
        while (!condition())
        {
            if (Stopwatch.GetElapsedTime(started) > timeout)
            {
                throw new TimeoutException($"not within {timeout.TotalSeconds} s: {what}");
            }

            await Task.Delay(5);
        }
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
