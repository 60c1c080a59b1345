using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Bulwark.Redundancy;
using Bulwark.Storage;

namespace Bulwark.Cli.Commands;

/// <summary>
/// <c>bulwark drill failover --group G</c>, <c>bulwark drill zone --zone Z</c> and <c>bulwark drill history</c>: controlled
/// faults against the running topology, measured and recorded in the event log. Exit 0 passed, 1 failed or refused, 2 bad input.
/// </summary>
internal static class DrillCommands
{
    private static readonly (string Name, DrillSignal Value)[] SignalNames = [("kill", DrillSignal.Kill), ("term", DrillSignal.Term), ("stop", DrillSignal.Stop)];

    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var command = new Command("drill", "Failover and zone drills: stop replicas in a controlled way, measure detection and recovery, restore, record.");
        command.Subcommands.Add(Drill("failover", "--group", "The failover group whose leader is stopped.", "Stop the leader of a failover group; verify a new leader under a larger fencing token and the level back.", "kill", stdout, stderr));
        command.Subcommands.Add(Drill("zone", "--zone", "The zone whose replicas are all stopped.", "Stop every replica in a zone; verify every service stays at N or more, then restore them.", "stop", stdout, stderr));
        command.Subcommands.Add(History(stdout, stderr));
        return command;
    }

    private static Command Drill(string kind, string targetName, string targetDescription, string description, string defaultSignal, TextWriter stdout, TextWriter stderr)
    {
        var config = CommonOptions.Config();
        var json = CommonOptions.Json();
        var target = new Option<string>(targetName) { Description = targetDescription, Required = true };
        var signal = new Option<string>("--signal") { Description = $"kill (SIGKILL, kill -9), term (SIGTERM) or stop (SIGSTOP, continued after); default {defaultSignal}.", DefaultValueFactory = _ => defaultSignal };
        var force = new Option<bool>("--force") { Description = "Drill even while trading is live." };
        var by = new Option<string?>("--by") { Description = "Who runs the drill (recorded; default: the user name)." };
        var timeout = new Option<string?>("--timeout") { Description = "How long to wait for detection and recovery, then again for the level to return (default: redundancy.drillTimeoutSeconds)." };
        var command = new Command(kind, description);
        command.Options.Add(target);
        command.Options.Add(signal);
        command.Options.Add(force);
        command.Options.Add(by);
        command.Options.Add(timeout);
        command.Options.Add(config);
        command.Options.Add(json);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var chosen = Array.FindIndex(SignalNames, s => string.Equals(s.Name, parse.GetValue(signal), StringComparison.OrdinalIgnoreCase));
            if (chosen < 0)
            {
                await stderr.WriteLineAsync($"error: --signal must be kill, term or stop, got '{parse.GetValue(signal)}'").ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            TimeSpan? wait = null;
            if (parse.GetValue(timeout) is { } text)
            {
                if (!Duration.TryParse(text, out var parsed) || parsed > TimeSpan.FromHours(1))
                {
                    await stderr.WriteLineAsync($"error: --timeout must be a duration such as 30s or 2m, at most 1h, got '{text}'").ConfigureAwait(false);
                    return ExitCodes.Usage;
                }

                wait = parsed;
            }

            if (Requester.Resolve(parse.GetValue(by), out var who) is { } byError)
            {
                await stderr.WriteLineAsync($"error: {byError}").ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            var options = await RedundancyCommand.LoadAsync(parse.GetValue(config), stderr).ConfigureAwait(false);
            if (options is null)
            {
                return ExitCodes.Usage;
            }

            var request = new DrillRequest(kind, parse.GetValue(target)!, SignalNames[chosen].Value, who, parse.GetValue(force),
                wait ?? TimeSpan.FromSeconds(options.Redundancy!.DrillTimeoutSeconds));
            return await RunAsync(options, request, targetName, parse.GetValue(json), stdout, stderr, cancellationToken).ConfigureAwait(false);
        });
        return command;
    }

    private static async Task<int> RunAsync(BulwarkOptions options, DrillRequest request, string targetName, bool json, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        var path = Path.GetFullPath(Path.Combine(options.DataDirectory, BulwarkDefaults.DatabaseFileName));
        SqliteEventStore store;
        try
        {
            store = await SqliteEventStore.OpenAsync(path, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is Microsoft.Data.Sqlite.SqliteException or InvalidDataException or IOException or UnauthorizedAccessException)
        {
            await stderr.WriteLineAsync($"error: cannot open the store at {path}: {ex.Message}").ConfigureAwait(false);
            return ExitCodes.Failure;
        }

        await using (store.ConfigureAwait(false))
        {
            var leases = await RedundancyCommand.OpenLeasesAsync(options, new RedundancyValidator(options), stderr, cancellationToken).ConfigureAwait(false);
            try
            {
                var drill = new RedundancyDrill(
                    options, ct => RedundancyCommand.EvaluateAsync(options, store, leases, TextWriter.Null, ct), leases, store, TimeProvider.System,
                    json ? null : line => stdout.WriteLine(line));
                if (drill.Affected(request).Count == 0)
                {
                    await stderr.WriteLineAsync($"error: {targetName}: no service of the redundancy section {(request.Kind == "failover" ? "has failoverGroup" : "has a replica in zone")} '{request.Target}'").ConfigureAwait(false);
                    return ExitCodes.Usage;
                }

                var report = await drill.RunAsync(request, cancellationToken).ConfigureAwait(false);
                await stdout.WriteLineAsync(json ? Text.Json(report) : Describe(report)).ConfigureAwait(false);
                return report.Verdict == "passed" ? ExitCodes.Ok : ExitCodes.Failure;
            }
            catch (Exception ex) when (ex is not OperationCanceledException and not ArgumentException)
            {
                await stderr.WriteLineAsync($"error: the drill failed: {ex.Message}").ConfigureAwait(false);
                return ExitCodes.Failure;
            }
            finally
            {
                if (leases is not null)
                {
                    await leases.DisposeAsync().ConfigureAwait(false);
                }
            }
        }
    }

    private static Command History(TextWriter stdout, TextWriter stderr)
    {
        var config = CommonOptions.Config();
        var dataDir = CommonOptions.DataDirectory();
        var json = CommonOptions.Json();
        var count = new Option<int>("-n") { Description = "How many of the latest drills (default 20).", DefaultValueFactory = _ => 20 };
        var command = new Command("history", "Every drill recorded, newest first: steady state, fault, detection, recovery, level back, verdict.");
        command.Options.Add(config);
        command.Options.Add(dataDir);
        command.Options.Add(json);
        command.Options.Add(count);
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (parse.GetValue(count) < 1)
            {
                await stderr.WriteLineAsync($"error: -n must be 1 or more, got {parse.GetValue(count).ToString(CultureInfo.InvariantCulture)}").ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            var opened = await StoreReader.LocateAndOpenAsync(parse.GetValue(config), parse.GetValue(dataDir), stderr, cancellationToken).ConfigureAwait(false);
            if (!opened.IsOpen)
            {
                return opened.Exit;
            }

            var store = opened.Store;

            IReadOnlyList<DrillReport> reports;
            await using (store.ConfigureAwait(false))
            {
                reports = await DrillHistory.ReadAsync(store, parse.GetValue(count), cancellationToken).ConfigureAwait(false); // newest first
            }

            if (parse.GetValue(json))
            {
                await stdout.WriteLineAsync(Text.Json(reports)).ConfigureAwait(false);
                return ExitCodes.Ok;
            }

            if (reports.Count == 0)
            {
                await stdout.WriteLineAsync("No drill recorded.").ConfigureAwait(false);
                return ExitCodes.Ok;
            }

            await stdout.WriteAsync(Text.Table(["STARTED", "DRILL", "SIGNAL", "BY", "VERDICT", "DETECTED", "RECOVERED", "LEVEL BACK", "DETAIL"], reports.Select(r => (IReadOnlyList<string>)
            [
                Text.Time(r.StartedAt), $"{r.Kind} {r.Target}", r.Signal, r.By, r.Verdict, Seconds(r.DetectionSeconds), Seconds(r.RecoverySeconds), Seconds(r.LevelReturnSeconds),
                r.Reasons.Count > 0 ? string.Join("; ", r.Reasons) : r.TokenAfter is { } t ? $"{r.LeaderBefore} #{r.TokenBefore} -> {r.LeaderAfter} #{t}" : string.Join(", ", r.Stopped),
            ]))).ConfigureAwait(false);
            return ExitCodes.Ok;
        });
        return command;
    }

    internal static string Describe(DrillReport report)
    {
        var lines = new List<string>
        {
            $"Drill {report.Kind} {report.Target} ({report.Signal}, by {report.By}{(report.Forced ? ", forced" : "")}): {report.Verdict.ToUpperInvariant()}",
            $"  steady state:   {string.Join(", ", report.SteadyState.Select(s => $"{s.Key} {s.Value}"))}" +
                (report.LeaderBefore is null ? "" : $"; {report.LeaderBefore} leads with token {report.TokenBefore}"),
        };
        if (report.FaultInjectedAt is not null)
        {
            lines.Add($"  stopped:        {string.Join(", ", report.Stopped)}");
            lines.Add($"  fault injected: {Text.Time(report.FaultInjectedAt)}");
            lines.Add($"  detected:       {Text.Time(report.DetectedAt)} ({Seconds(report.DetectionSeconds)})");
            lines.Add($"  recovered:      {Text.Time(report.RecoveredAt)} ({Seconds(report.RecoverySeconds)}, SLA {report.MaxRecoveryTimeSeconds.ToString("0.#", CultureInfo.InvariantCulture)} s)" +
                (report.TokenAfter is { } token ? $"; {report.LeaderAfter} leads with token {token}" : ""));
            lines.Add($"  level back:     {Text.Time(report.LevelReturnedAt)} ({Seconds(report.LevelReturnSeconds)})");
            lines.Add($"  restored:       {string.Join(", ", report.Restored)}");
        }

        lines.AddRange(report.Reasons.Select(r => "  reason: " + r));
        return string.Join(Environment.NewLine, lines);
    }

    private static string Seconds(double? seconds) => seconds is { } s ? s.ToString("0.000", CultureInfo.InvariantCulture) + " s" : "-";
}
