using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Bulwark.Configuration;
using Bulwark.Recovery;
using Bulwark.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bulwark.Cli.Commands;

/// <summary>
/// <c>bulwark recover list|run|history</c>. Plans run inside <c>bulwark run</c> (which supervises the processes): <c>run</c>
/// records a request in the store, the running system picks it up, and this command follows the run's events as progress.
/// </summary>
internal static class RecoverCommands
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(100);

    /// <summary>How long <c>run</c> waits for <c>bulwark run</c> to pick a request up.</summary>
    private static readonly TimeSpan PickUp = TimeSpan.FromSeconds(10);

    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var command = new Command("recover", "Recovery plans and supervised processes: list them, run one (with progress), read what ran.");
        command.Subcommands.Add(List(stdout, stderr));
        command.Subcommands.Add(Run(stdout, stderr));
        command.Subcommands.Add(History(stdout, stderr));
        return command;
    }

    private static Command List(TextWriter stdout, TextWriter stderr)
    {
        var config = CommonOptions.Config();
        var json = CommonOptions.Json();
        var command = new Command("list", "Every recovery plan (configured, and each supervised process's restart plan) and every supervised process.");
        command.Options.Add(config);
        command.Options.Add(json);
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (await LoadAsync(parse.GetValue(config), stderr).ConfigureAwait(false) is not { } options)
            {
                return ExitCodes.Usage;
            }

            var plans = RecoveryPlan.All(options).Select(p => new
            {
                name = p.Name,
                subject = p.Subject,
                description = p.Options.Description,
                triggers = p.Options.Triggers.Select(t => Describe(t, p.Options.Component)).ToArray(),
                steps = p.Options.Steps.Count,
                validation = p.Options.Validation is null ? null : string.Join(", ", p.ValidationComponents) + " Healthy",
                rollback = p.Options.Rollback.Count,
            }).ToList();
            var processes = options.Recovery?.Processes.Select(p => new
            {
                name = p.Name,
                command = CommandLine.Format(p.Command, p.Args),
                replicas = p.Replicas,
                restart = RecoveryOptionsValidator.RestartName(p.Restart),
                startLimit = $"{p.StartLimitBurst} in {p.StartLimitIntervalSeconds.ToString(CultureInfo.InvariantCulture)} s",
            }).ToList() ?? [];
            if (parse.GetValue(json))
            {
                await stdout.WriteLineAsync(Text.Json(new { plans, processes })).ConfigureAwait(false);
                return ExitCodes.Ok;
            }

            if (plans.Count == 0)
            {
                await stdout.WriteLineAsync("No recovery plans (the configuration has no recovery: section, or it is empty).").ConfigureAwait(false);
                return ExitCodes.Ok;
            }

            await stdout.WriteAsync(Text.Table(["PLAN", "FOR", "TRIGGERS", "STEPS", "VALIDATION", "ROLLBACK", "DESCRIPTION"], plans.Select(p => (IReadOnlyList<string>)
            [
                p.name, p.subject, p.triggers.Length == 0 ? "manual only" : string.Join("; ", p.triggers), p.steps.ToString(CultureInfo.InvariantCulture),
                p.validation ?? "-", p.rollback.ToString(CultureInfo.InvariantCulture), p.description ?? "",
            ]))).ConfigureAwait(false);
            if (processes.Count > 0)
            {
                await stdout.WriteLineAsync().ConfigureAwait(false);
                await stdout.WriteAsync(Text.Table(["PROCESS", "REPLICAS", "RESTART", "START LIMIT", "COMMAND"], processes.Select(p => (IReadOnlyList<string>)
                    [p.name, p.replicas.ToString(CultureInfo.InvariantCulture), p.restart, p.startLimit, p.command]))).ConfigureAwait(false);
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Run(TextWriter stdout, TextWriter stderr)
    {
        var config = CommonOptions.Config();
        var json = CommonOptions.Json();
        var plan = new Argument<string>("PLAN") { Description = "The plan to run (see bulwark recover list)." };
        var by = new Option<string?>("--by") { Description = "Who runs it (recorded). Required unless --dry-run." };
        var reason = new Option<string?>("--reason") { Description = "Why (recorded). Required unless --dry-run." };
        var dryRun = new Option<bool>("--dry-run") { Description = "Print what would run, in order, with the resolved commands; run nothing." };
        var timeout = new Option<string?>("--timeout") { Description = "How long to follow the run (default: maxRecoveryTimeSeconds + 30 s)." };
        var command = new Command("run", "Run a recovery plan through the running 'bulwark run', printing each step as it happens.");
        command.Arguments.Add(plan);
        foreach (var option in new Option[] { config, by, reason, dryRun, timeout, json })
        {
            command.Options.Add(option);
        }

        command.SetAction(async (parse, cancellationToken) =>
        {
            if (await LoadAsync(parse.GetValue(config), stderr).ConfigureAwait(false) is not { } options)
            {
                return ExitCodes.Usage;
            }

            var name = parse.GetValue(plan)!;
            var plans = RecoveryPlan.All(options);
            if (plans.FirstOrDefault(p => p.Name == name) is not { } found)
            {
                await stderr.WriteLineAsync($"error: no recovery plan named '{name}'; known: {(plans.Count == 0 ? "none" : string.Join(", ", plans.Select(p => p.Name)))}").ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            var maxRecoveryTime = TimeSpan.FromSeconds(Math.Min(options.MaxRecoveryTimeSeconds, RecoveryLimits.MaxPlanSeconds));
            if (parse.GetValue(dryRun))
            {
                using var http = new HttpClient();
                var supervisor = new ProcessSupervisor(options.Recovery?.Processes ?? [], options.DataDirectory, TimeProvider.System, NullLogger.Instance);
                await using var disposeSupervisor = supervisor.ConfigureAwait(false);
                var lines = PlanRunner.Describe(found, new Bulwark.Recovery.Actions.ActionFactory(supervisor, http), maxRecoveryTime);
                await stdout.WriteLineAsync(parse.GetValue(json) ? Text.Json(new { plan = found.Name, subject = found.Subject, dryRun = true, steps = lines }) : "dry run, nothing runs:\n" + string.Join('\n', lines))
                    .ConfigureAwait(false);
                return ExitCodes.Ok;
            }

            var who = parse.GetValue(by);
            var why = parse.GetValue(reason);
            if (string.IsNullOrWhiteSpace(who) || string.IsNullOrWhiteSpace(why))
            {
                await stderr.WriteLineAsync("error: --by NAME and --reason TEXT are required to run a plan (they are recorded); --dry-run needs neither").ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            var follow = maxRecoveryTime + TimeSpan.FromSeconds(30);
            if (parse.GetValue(timeout) is { } text && Duration.Parse(text, TimeSpan.FromDays(1), out follow) is { } timeoutError)
            {
                await stderr.WriteLineAsync($"error: --timeout: {timeoutError}").ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            var databasePath = Path.GetFullPath(Path.Combine(options.DataDirectory, BulwarkDefaults.DatabaseFileName));
            if (await StoreReader.OpenAsync(databasePath, stderr, cancellationToken).ConfigureAwait(false) is not { } store)
            {
                return ExitCodes.Failure;
            }

            await using (store.ConfigureAwait(false))
            {
                return await RequestAndFollowAsync(store, found, who, why, follow, parse.GetValue(json), stdout, stderr, cancellationToken).ConfigureAwait(false);
            }
        });
        return command;
    }

    private static async Task<int> RequestAndFollowAsync(
        SqliteEventStore store, RecoveryPlan plan, string who, string why, TimeSpan follow, bool json, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        var status = await store.ReadStatusAsync(cancellationToken).ConfigureAwait(false);
        var now = TimeProvider.System.GetUtcNow();
        if (status is null || now - status.UpdatedAt > StatusCommand.StaleAfter)
        {
            await stderr.WriteLineAsync(
                $"error: no 'bulwark run' is running on {store.DatabasePath} (status {(status is null ? "never written" : $"last written {Text.Age(now - status.UpdatedAt)} ago")}); " +
                "plans run inside it, where the processes are supervised: start 'bulwark run --config FILE' first").ConfigureAwait(false);
            return ExitCodes.Failure;
        }

        var request = await store.AppendAsync(new SafetyEvent
        {
            Time = now,
            Kind = RecoveryEventKinds.Requested,
            Subject = plan.Subject,
            Actor = who,
            Cause = $"{who} asked for {plan.Name}: {why}",
            Evidence = JsonSerializer.Serialize(new RecoveryEvidence { Plan = plan.Name, By = who, Reason = why }, BulwarkJson.Options),
        }, cancellationToken).ConfigureAwait(false);
        if (!json)
        {
            await stdout.WriteLineAsync($"requested {plan.Name} for {plan.Subject} (event {request}); waiting for bulwark run (pid {status.ProcessId}) ...").ConfigureAwait(false);
        }

        var started = TimeProvider.System.GetTimestamp();
        var cursor = request;
        string? execution = null;
        while (true)
        {
            var elapsed = TimeProvider.System.GetElapsedTime(started);
            if (execution is null && elapsed > PickUp)
            {
                await stderr.WriteLineAsync($"error: bulwark run did not pick the request up within {PickUp.TotalSeconds:0} s; it is not run (requests expire after {RecoverySystem.RequestLifetime.TotalSeconds:0} s)")
                    .ConfigureAwait(false);
                return ExitCodes.Failure;
            }

            if (elapsed > follow)
            {
                await stderr.WriteLineAsync($"error: {execution} still running after {Text.Age(elapsed)}; follow it with 'bulwark recover history' or 'bulwark events --kind recovery. --follow'").ConfigureAwait(false);
                return ExitCodes.Failure;
            }

            await Task.Delay(Poll, cancellationToken).ConfigureAwait(false);
            foreach (var e in await store.ReadAsync(new EventQuery { AfterSequence = cursor, KindPrefix = "recovery.", Limit = 1000, FromOldest = true }, cancellationToken).ConfigureAwait(false))
            {
                cursor = e.Sequence;
                var evidence = RecoveryHistory.Parse(e.Evidence);
                if (execution is null)
                {
                    if (e.Kind == RecoveryEventKinds.Started && evidence?.Request == request)
                    {
                        execution = string.Create(CultureInfo.InvariantCulture, $"REC-{e.Sequence}");
                    }
                    else if (e.Kind == RecoveryEventKinds.Coalesced && evidence?.Request == request)
                    {
                        execution = evidence.Execution;
                        await stdout.WriteLineAsync(json ? Text.JsonLine(e) : $"{plan.Name} is already running for {plan.Subject} as {execution}; following it").ConfigureAwait(false);
                        continue;
                    }
                    else
                    {
                        continue;
                    }
                }
                else if (evidence?.Execution != execution)
                {
                    continue;
                }

                await stdout.WriteLineAsync(json ? Text.JsonLine(e) : $"{Text.Time(e.Time)}  {execution}  {e.Cause}").ConfigureAwait(false);
                await stdout.FlushAsync(cancellationToken).ConfigureAwait(false);
                if (RecoveryEventKinds.IsFinal(e.Kind))
                {
                    return e.Kind == RecoveryEventKinds.Succeeded ? ExitCodes.Ok : ExitCodes.Failure;
                }
            }
        }
    }

    private static Command History(TextWriter stdout, TextWriter stderr)
    {
        var config = CommonOptions.Config();
        var dataDir = CommonOptions.DataDirectory();
        var json = CommonOptions.Json();
        var limit = new Option<int>("--limit", "-n") { Description = "At most this many runs, the newest (default 20).", DefaultValueFactory = _ => 20 };
        var planFilter = new Option<string?>("--plan") { Description = "Only runs of this plan." };
        var command = new Command("history", "Every run of a plan: trigger, who, steps, validation, rollback, outcome and total time against maxRecoveryTimeSeconds.");
        foreach (var option in new Option[] { config, dataDir, limit, planFilter, json })
        {
            command.Options.Add(option);
        }

        command.SetAction(async (parse, cancellationToken) =>
        {
            if (parse.GetValue(limit) < 1)
            {
                await stderr.WriteLineAsync($"error: --limit: must be at least 1, got {parse.GetValue(limit)}.").ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            var opened = await StoreReader.LocateAndOpenAsync(parse.GetValue(config), parse.GetValue(dataDir), stderr, cancellationToken).ConfigureAwait(false);
            if (!opened.IsOpen)
            {
                return opened.Exit;
            }

            var store = opened.Store;

            IReadOnlyList<RecoveryExecution> runs;
            await using (store.ConfigureAwait(false))
            {
                runs = await RecoveryHistory.ReadAsync(store, cancellationToken: cancellationToken).ConfigureAwait(false);
            }

            var shown = runs.Where(r => parse.GetValue(planFilter) is not { } p || r.Plan == p).Reverse().Take(parse.GetValue(limit)).ToList();
            if (parse.GetValue(json))
            {
                await stdout.WriteLineAsync(Text.Json(shown)).ConfigureAwait(false);
                return ExitCodes.Ok;
            }

            if (shown.Count == 0)
            {
                await stdout.WriteLineAsync("No recovery has run yet.").ConfigureAwait(false);
                return ExitCodes.Ok;
            }

            await stdout.WriteAsync(Text.Table(["STARTED", "ID", "PLAN", "FOR", "OUTCOME", "TIME", "SLA", "TRIGGER"], shown.Select(r => (IReadOnlyList<string>)
            [
                Text.Time(r.StartedAt), r.Id, r.Plan, r.Subject, r.Outcome,
                r.DurationSeconds is { } d ? d.ToString("0.000", CultureInfo.InvariantCulture) + " s" : "-",
                r.SlaMet switch { true => "met", false => "VIOLATED", null => "-" } + (r.MaxRecoveryTimeSeconds is { } max ? $" ({max.ToString(CultureInfo.InvariantCulture)} s)" : ""),
                (r.By is null ? "" : $"[{r.By}] ") + r.Trigger + (r.Coalesced > 0 ? $" (+{r.Coalesced} coalesced)" : ""),
            ]))).ConfigureAwait(false);
            var latest = shown[0];
            await stdout.WriteLineAsync($"\nlatest, {latest.Id} ({latest.Plan}):").ConfigureAwait(false);
            foreach (var step in latest.Steps)
            {
                var time = step.DurationSeconds is { } s ? $" in {s.ToString("0.000", CultureInfo.InvariantCulture)} s" : "";
                await stdout.WriteLineAsync($"  {step.Name}: {step.Outcome}{time}{(step.Attempts > 1 ? $" ({step.Attempts} attempts)" : "")}: {step.Error ?? step.Output ?? step.Description}").ConfigureAwait(false);
            }

            foreach (var line in new[] { latest.Validation, latest.Rollback, latest.Cause }.Where(l => l is not null))
            {
                await stdout.WriteLineAsync("  " + line).ConfigureAwait(false);
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static string Describe(RecoveryTriggerOptions trigger, string? component) =>
        trigger.State is { } state ? $"{trigger.Component ?? component} {state} for {trigger.Checks} check(s)"
        : trigger.Alert is { } alert ? $"burn-rate alert on {alert}"
        : trigger.Incident ? $"incident on {trigger.Component ?? component}"
        : trigger.Failover is { } group ? $"failed failover of {group}"
        : trigger.ProcessExit is { } process ? $"{process} exits"
        : "?";

    private static async Task<BulwarkOptions?> LoadAsync(FileInfo? config, TextWriter stderr)
    {
        var path = config?.FullName ?? Path.GetFullPath(CommonOptions.DefaultConfigFile);
        var load = BulwarkConfiguration.Load(path);
        if (load.Options is null)
        {
            ConfigErrors.Print(stderr, load.Errors);
            await stderr.FlushAsync().ConfigureAwait(false);
        }

        return load.Options;
    }
}
