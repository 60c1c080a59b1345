using System.CommandLine;
using System.Globalization;
using Bulwark.Availability;
using Bulwark.Configuration;
using Bulwark.Storage;

namespace Bulwark.Cli.Commands;

/// <summary><c>bulwark sla</c> and <c>bulwark incidents</c>: availability and incidents, rebuilt from the store.</summary>
internal static class AvailabilityCommands
{
    public static Command Sla(TextWriter stdout, TextWriter stderr)
    {
        var config = CommonOptions.Config();
        var dataDir = CommonOptions.DataDirectory();
        var json = CommonOptions.Json();
        var command = new Command("sla", "Every SLO: availability over its window, error budget, burn rates and active alerts.");
        command.Options.Add(config);
        command.Options.Add(dataDir);
        command.Options.Add(json);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var (monitor, exit, _, evaluating) = await LoadAsync(parse.GetValue(config), parse.GetValue(dataDir), stderr, cancellationToken).ConfigureAwait(false);
            if (monitor is null)
            {
                return exit;
            }

            // Evaluated now, from the log: an alert that is due but that no running system fired is shown as such.
            var report = monitor.ValidateAvailabilitySla();
            var notFired = evaluating ? "due, not fired yet: evaluated every 5 s by bulwark run" : "due, not fired: no evaluator running";
            if (parse.GetValue(json))
            {
                var node = System.Text.Json.JsonSerializer.SerializeToNode(report, BulwarkJson.Options)!.AsObject();
                node.Add("evaluatorRunning", evaluating);
                await stdout.WriteLineAsync(node.ToJsonString(BulwarkJson.Indented)).ConfigureAwait(false);
                return ExitCodes.Ok;
            }

            var rows = report.Slos.Select(s => (IReadOnlyList<string>)
            [
                s.Name,
                s.Subject,
                Percent(s.Target),
                BurnRatePolicy.Format(s.Window),
                s.CurrentAvailability is { } a ? Percent(a) : "no data",
                s.Sli == SliKind.Events
                    ? $"{(s.ErrorBudgetEvents - s.BadEvents)?.ToString("0", CultureInfo.InvariantCulture)} of {s.ErrorBudgetEvents?.ToString("0", CultureInfo.InvariantCulture)} bad events ({s.ErrorBudgetRemainingRatio.ToString("P1", CultureInfo.InvariantCulture)})"
                    : $"{Span(s.ErrorBudgetRemaining)} of {Span(s.ErrorBudget)} ({s.ErrorBudgetRemainingRatio.ToString("P1", CultureInfo.InvariantCulture)})",
                s.Sli == SliKind.Events ? $"{s.TotalEvents} events" : Span(s.Unknown),
                string.Join(" ", s.BurnRates.Select(r => $"{r.Key}:{r.Value.ToString("0.##", CultureInfo.InvariantCulture)}")),
                Alerts(s, notFired),
            ]);
            await stdout.WriteAsync(Text.Table(["SLO", "SUBJECT", "TARGET", "WINDOW", "AVAILABILITY", "BUDGET LEFT", "UNKNOWN / EVENTS", "BURN RATES", "ALERTS"], rows))
                .ConfigureAwait(false);
            foreach (var slo in report.Slos)
            {
                foreach (var due in slo.DueAlerts.Where(a => !a.Fired))
                {
                    await stdout.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                        $"ALERT {slo.Name}/{due.Policy} ({due.Severity}) {notFired}: burn rate {due.LongRate:0.##}x over {due.LongWindow} and {due.ShortRate:0.##}x over {due.ShortWindow}, above {due.Factor:0.##}x")
                        + (evaluating ? "." : "; nobody was alerted: start 'bulwark run' to evaluate and fire alerts.")).ConfigureAwait(false);
                }
            }

            await stdout.WriteLineAsync(report.SlaMet ? "SLA met." : "SLA NOT met.").ConfigureAwait(false);
            return ExitCodes.Ok;
        });
        return command;
    }

    public static Command Slo(TextWriter stdout, TextWriter stderr)
    {
        var config = CommonOptions.Config();
        var rules = new Command("rules", "Print Prometheus recording and alerting rules for the configured SLOs (the defaults when none is configured) and their burn-rate alerts.");
        rules.Options.Add(config);
        rules.SetAction(parse =>
        {
            var path = parse.GetValue(config)?.FullName ?? Path.GetFullPath(CommonOptions.DefaultConfigFile);
            var load = BulwarkConfiguration.Load(path);
            if (load.Options is not { } options)
            {
                ConfigErrors.Print(stderr, load.Errors);
                return ExitCodes.Usage;
            }

            stdout.Write(PrometheusRules.Generate(SloDefinition.FromOptions(options)));
            return ExitCodes.Ok;
        });
        var command = new Command("slo", "Service level objectives.");
        command.Subcommands.Add(rules);
        return command;
    }

    public static Command Incidents(TextWriter stdout, TextWriter stderr)
    {
        var config = CommonOptions.Config();
        var dataDir = CommonOptions.DataDirectory();
        var json = CommonOptions.Json();
        var open = new Option<bool>("--open") { Description = "Only incidents not resolved yet." };
        var command = new Command("incidents", "List incidents (newest first) with MTTR and MTBF; acknowledge or resolve one.");
        foreach (var option in new Option[] { config, dataDir, open, json })
        {
            command.Options.Add(option);
        }

        command.SetAction(async (parse, cancellationToken) =>
        {
            var (monitor, exit, _, _) = await LoadAsync(parse.GetValue(config), parse.GetValue(dataDir), stderr, cancellationToken).ConfigureAwait(false);
            if (monitor is null)
            {
                return exit;
            }

            var report = monitor.GetIncidentReport(parse.GetValue(open));
            var (incidents, metrics) = (report.Incidents, report.Last30Days);
            if (parse.GetValue(json))
            {
                await stdout.WriteLineAsync(Text.Json(report)).ConfigureAwait(false);
                return ExitCodes.Ok;
            }

            var rows = incidents.Select(i => (IReadOnlyList<string>)
            [
                i.Id,
                i.Severity,
                i.Subject,
                Text.Time(i.OpenedAt),
                i.IsOpen ? (i.AcknowledgedBy is null ? "open" : $"acknowledged by {i.AcknowledgedBy}") : $"resolved by {i.ResolvedBy}",
                i.ResolvedAt is { } resolved ? Span(resolved - i.OpenedAt) : "-",
                i.Timeline.Count > 0 ? i.Timeline[^1].What : "",
            ]);
            await stdout.WriteAsync(Text.Table(["ID", "SEV", "SUBJECT", "OPENED", "STATE", "TOOK", "LAST"], rows)).ConfigureAwait(false);
            await stdout.WriteLineAsync(
                $"Last 30 days: {metrics.Opened} opened, {metrics.Resolved} resolved; MTTR (to resolve) {Span(metrics.Mttr)} mean, {Span(metrics.MttrP50)} p50, {Span(metrics.MttrP90)} p90; MTBF {Span(metrics.Mtbf)} mean; MTTD {Span(metrics.Mttd)} mean (drills)")
                .ConfigureAwait(false);
            return ExitCodes.Ok;
        });

        command.Subcommands.Add(Act("ack", "Acknowledge an incident: you are on it.", AvailabilityEventKinds.IncidentAcknowledged, config, dataDir, stdout, stderr));
        command.Subcommands.Add(Act("resolve", "Resolve an incident by hand, with a note.", AvailabilityEventKinds.IncidentResolved, config, dataDir, stdout, stderr));
        return command;
    }

    private static Command Act(string name, string description, string kind, Option<FileInfo?> config, Option<DirectoryInfo?> dataDir, TextWriter stdout, TextWriter stderr)
    {
        var id = new Argument<string>("ID") { Description = "The incident, e.g. INC-42." };
        var by = new Option<string>("--by") { Description = "Who: your name.", Required = true };
        var note = new Option<string>("--note") { Description = "Why, for the timeline.", Required = true };
        var command = new Command(name, description);
        command.Arguments.Add(id);
        command.Options.Add(by);
        command.Options.Add(note);
        command.Options.Add(config);
        command.Options.Add(dataDir);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var who = parse.GetValue(by)?.Trim();
            var why = parse.GetValue(note)?.Trim();
            if (string.IsNullOrEmpty(who) || string.IsNullOrEmpty(why))
            {
                await stderr.WriteLineAsync($"error: {(string.IsNullOrEmpty(who) ? "--by" : "--note")}: must not be empty").ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            var (monitor, exit, databasePath, _) = await LoadAsync(parse.GetValue(config), parse.GetValue(dataDir), stderr, cancellationToken).ConfigureAwait(false);
            if (monitor is null)
            {
                return exit;
            }

            var incidentId = parse.GetRequiredValue(id);
            var incident = monitor.GetIncidents().FirstOrDefault(i => i.Id == incidentId);
            if (incident is null)
            {
                await stderr.WriteLineAsync($"error: ID: no incident '{incidentId}'; 'bulwark incidents' lists them").ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            if (!incident.IsOpen)
            {
                await stderr.WriteLineAsync($"error: ID: {incidentId} was already resolved at {Text.Time(incident.ResolvedAt)} by {incident.ResolvedBy}").ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            long sequence;
            try
            {
                var store = await StoreReader.OpenForWritingAsync(databasePath!, stderr, cancellationToken).ConfigureAwait(false);
                await using (store.ConfigureAwait(false))
                {
                    sequence = await store.AppendAsync(new SafetyEvent
                    {
                        Time = TimeProvider.System.GetUtcNow(),
                        Kind = kind,
                        Subject = incidentId,
                        Actor = who,
                        Cause = why,
                    }, cancellationToken).ConfigureAwait(false);
                }
            }
            catch (Exception ex) when (StoreErrors.Describe(databasePath!, ex) is { } message)
            {
                await stderr.WriteLineAsync($"error: {incidentId} is not {(name == "ack" ? "acknowledged" : "resolved")}: {message}").ConfigureAwait(false);
                return ExitCodes.Failure;
            }

            await stdout.WriteLineAsync($"{incidentId}: {name} recorded (event {sequence}) by {who}").ConfigureAwait(false);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static string Alerts(SloStatus slo, string notFired)
    {
        var shown = slo.ActiveAlerts.Concat(slo.DueAlerts.Where(a => !a.Fired).Select(a => $"{a.Policy} ({notFired})")).ToList();
        return shown.Count == 0 ? "-" : string.Join(", ", shown);
    }

    /// <summary>
    /// The monitor rebuilt from the store, and whether a running system evaluates its alerts (a fresh status report
    /// from a run that has not recorded its stop); null (with the exit code) when the store or configuration is unusable.
    /// </summary>
    private static async Task<(AvailabilityMonitor? Monitor, int Exit, string? DatabasePath, bool Evaluating)> LoadAsync(
        FileInfo? config, DirectoryInfo? dataDir, TextWriter stderr, CancellationToken cancellationToken)
    {
        var opened = await StoreReader.LocateAndOpenAsync(config, dataDir, stderr, cancellationToken).ConfigureAwait(false);
        if (!opened.IsOpen)
        {
            return (null, opened.Exit, opened.DatabasePath, false);
        }

        var (store, databasePath) = (opened.Store, opened.DatabasePath);

        await using (store.ConfigureAwait(false))
        {
            try
            {
                var (monitor, evaluating) = await ReplayAsync(store, config, dataDir, stderr, cancellationToken).ConfigureAwait(false);
                return (monitor, ExitCodes.Ok, databasePath, evaluating);
            }
            catch (Exception ex) when (StoreErrors.Describe(databasePath, ex) is { } message)
            {
                await stderr.WriteLineAsync("error: " + message).ConfigureAwait(false);
                return (null, ExitCodes.Failure, databasePath, false);
            }
        }
    }

    private static async Task<(AvailabilityMonitor Monitor, bool Evaluating)> ReplayAsync(SqliteEventStore store, FileInfo? config, DirectoryInfo? dataDir, TextWriter stderr, CancellationToken cancellationToken)
    {
        var options = config is not null || File.Exists(CommonOptions.DefaultConfigFile) && dataDir is null
            ? BulwarkConfiguration.Load(config?.FullName ?? Path.GetFullPath(CommonOptions.DefaultConfigFile)).Options
            : null;
        options ??= await AvailabilityMonitor.OptionsFromStoreAsync(store, cancellationToken).ConfigureAwait(false);
        var monitor = await AvailabilityMonitor.ReplayAsync(options, store, TimeProvider.System, cancellationToken).ConfigureAwait(false);

        // A writer that stopped reporting without recording a stop: nobody has watched since its last report.
        var lastLifecycle = await store.ReadAsync(new EventQuery { KindPrefix = "bulwark.", Limit = 1 }, cancellationToken).ConfigureAwait(false);
        DateTimeOffset? reportedAt;
        try
        {
            reportedAt = (await store.ReadStatusAsync(cancellationToken).ConfigureAwait(false))?.UpdatedAt;
        }
        catch (StoreUnreadableException ex)
        {
            // Fail closed: without the report, the last event anybody recorded is the last sign of a watcher.
            await stderr.WriteLineAsync($"warning: {ex.Message}; counting the time since the last recorded event as not watched").ConfigureAwait(false);
            reportedAt = (await store.ReadAsync(new EventQuery { Limit = 1 }, cancellationToken).ConfigureAwait(false)) is [var last] ? last.Time : null;
        }

        var running = lastLifecycle is [{ Kind: EventKinds.Started }];
        var fresh = reportedAt is { } at && TimeProvider.System.GetUtcNow() - at <= StatusCommand.StaleAfter;
        if (reportedAt is { } since && !fresh && running)
        {
            monitor.MarkNotWatchedSince(since);
        }

        return (monitor, running && fresh);
    }

    private static string Percent(double value) => value.ToString("0.000%", CultureInfo.InvariantCulture);

    private static string Span(TimeSpan? span)
    {
        if (span is not { } s)
        {
            return "-";
        }

        var sign = s < TimeSpan.Zero ? "-" : "";
        s = s.Duration();
        return sign + (s.TotalDays >= 1 ? $"{(int)s.TotalDays}d {s.Hours}h {s.Minutes}m"
            : s.TotalHours >= 1 ? $"{(int)s.TotalHours}h {s.Minutes}m {s.Seconds}s"
            : s.TotalMinutes >= 1 ? $"{s.Minutes}m {s.Seconds}s"
            : $"{s.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture)}s");
    }
}
