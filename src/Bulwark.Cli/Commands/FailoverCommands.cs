using System.CommandLine;
using System.Globalization;
using Bulwark.Configuration;
using Bulwark.Failover;
using Bulwark.Storage;

namespace Bulwark.Cli.Commands;

/// <summary><c>bulwark failover status</c> and <c>bulwark failover switchover</c>: leadership from the coordinator, failovers from the store.</summary>
internal static class FailoverCommands
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(100);

    /// <summary>The longest a switchover may wait: nobody leads while it does, so it is minutes, not days.</summary>
    internal static readonly TimeSpan LongestSwitchover = TimeSpan.FromHours(1);

    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var command = new Command("failover", "Leadership of the failover groups, recorded failovers, planned switchovers.");
        command.Subcommands.Add(Status(stdout, stderr));
        command.Subcommands.Add(Switchover(stdout, stderr));
        return command;
    }

    private static Command Status(TextWriter stdout, TextWriter stderr)
    {
        var config = CommonOptions.Config();
        var json = CommonOptions.Json();
        var recent = new Option<int>("--recent", "-n") { Description = "How many of the latest failovers to list (default 5).", DefaultValueFactory = _ => 5 };
        var command = new Command("status", "Who leads each group (token, last renewal, lease end, pending switchover) and the recovery-time SLA over recorded failovers.");
        command.Options.Add(config);
        command.Options.Add(json);
        command.Options.Add(recent);
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (parse.GetValue(recent) < 0)
            {
                await stderr.WriteLineAsync("error: --recent must be 0 or more").ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            var options = await LoadAsync(parse.GetValue(config), stderr).ConfigureAwait(false);
            if (options is null)
            {
                return ExitCodes.Usage;
            }

            ILeaseCoordinator leases;
            try
            {
                leases = await Coordinators.OpenAsync(options, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                await stderr.WriteLineAsync($"error: cannot reach the lease coordinator ({Coordinators.Describe(options)}): {ex.Message}").ConfigureAwait(false);
                return ExitCodes.Failure;
            }

            await using (leases.ConfigureAwait(false))
            {
                var now = TimeProvider.System.GetUtcNow();
                var groups = new List<GroupLeadership>();
                foreach (var group in options.Failover!.Groups)
                {
                    try
                    {
                        groups.Add(await GroupLeadership.ReadAsync(leases, group.Name, now, cancellationToken).ConfigureAwait(false));
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException)
                    {
                        await stderr.WriteLineAsync($"error: cannot read group {group.Name} from the coordinator ({Coordinators.Describe(options)}): {ex.Message}").ConfigureAwait(false);
                        return ExitCodes.Failure;
                    }
                }

                if (await ReadFailoversAsync(options, stderr, cancellationToken).ConfigureAwait(false) is not { } records)
                {
                    return ExitCodes.Failure;
                }

                var report = RecoveryTimeReport.From(records, TimeSpan.FromSeconds(options.MaxRecoveryTimeSeconds));
                var latest = records.TakeLast(parse.GetValue(recent)).Reverse().ToList();
                if (parse.GetValue(json))
                {
                    await stdout.WriteLineAsync(Text.Json(new { coordinator = Coordinators.Describe(options), replica = options.Failover.Replica, groups, recoveryTime = report, latest }))
                        .ConfigureAwait(false);
                    return ExitCodes.Ok;
                }

                await stdout.WriteLineAsync($"Coordinator: {Coordinators.Describe(options)}").ConfigureAwait(false);
                await stdout.WriteAsync(Text.Table(["GROUP", "LEADER", "TOKEN", "LAST RENEWAL", "LEASE ENDS IN", "SWITCHOVER TO"], groups.Select(g => (IReadOnlyList<string>)
                [
                    g.Group,
                    g.Leader ?? (g.LastHolder is null ? "none" : $"none (last: {g.LastHolder})"),
                    g.Token?.ToString(CultureInfo.InvariantCulture) ?? "-",
                    Text.Time(g.RenewedAt),
                    g.Leader is not null && g.ExpiresAt is { } ends ? Text.Age(ends - now) : "-",
                    g.HandoverTo ?? "-",
                ]))).ConfigureAwait(false);
                await stdout.WriteLineAsync(Describe(report)).ConfigureAwait(false);
                if (latest.Count > 0)
                {
                    await stdout.WriteAsync(Text.Table(["ACTIVE AT", "GROUP", "FROM", "TO", "TOKENS", "RECOVERY", "CAUSE"], latest.Select(r => (IReadOnlyList<string>)
                    [
                        Text.Time(r.NewLeaderActiveAt),
                        r.Group,
                        r.OldLeader,
                        r.NewLeader,
                        $"{r.TokenBefore} -> {r.TokenAfter}",
                        Text.Age(r.RecoveryTime),
                        r.Cause,
                    ]))).ConfigureAwait(false);
                }

                return ExitCodes.Ok;
            }
        });
        return command;
    }

    private static Command Switchover(TextWriter stdout, TextWriter stderr)
    {
        var config = CommonOptions.Config();
        var json = CommonOptions.Json();
        var group = new Option<string>("--group", "-g") { Description = "The failover group.", Required = true };
        var to = new Option<string>("--to") { Description = "The replica to hand leadership to.", Required = true };
        var by = new Option<string?>("--by") { Description = "Who asks (recorded in the event log; default: the user name)." };
        var timeout = new Option<string>("--timeout") { Description = "How long to wait for the hand-over (default 5s). The leader resigns at once; if the target does not take over in time, nobody leads until the request lapses, so keep it short.", DefaultValueFactory = _ => "5s" };
        var command = new Command("switchover", "Planned hand-over: the leader resigns at its next renewal and only the named replica may take the next term.");
        command.Options.Add(group);
        command.Options.Add(to);
        command.Options.Add(by);
        command.Options.Add(timeout);
        command.Options.Add(config);
        command.Options.Add(json);
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (Duration.Parse(parse.GetValue(timeout), LongestSwitchover, out var wait) is { } timeoutError)
            {
                await stderr.WriteLineAsync($"error: --timeout: {timeoutError}").ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            var options = await LoadAsync(parse.GetValue(config), stderr).ConfigureAwait(false);
            if (options is null)
            {
                return ExitCodes.Usage;
            }

            var name = parse.GetValue(group)!;
            var target = parse.GetValue(to)!;
            if (!options.Failover!.Groups.Any(g => g.Name == name))
            {
                await stderr.WriteLineAsync($"error: --group: no failover group named '{name}' (configured: {string.Join(", ", options.Failover.Groups.Select(g => g.Name))})").ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            if (!BulwarkOptionsValidator.IsValidName(target))
            {
                await stderr.WriteLineAsync($"error: --to must be a replica name (letters, digits, '.', '_' or '-'), got '{target}'").ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            if (Requester.Resolve(parse.GetValue(by), out var who) is { } byError)
            {
                await stderr.WriteLineAsync($"error: {byError}").ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            var quiet = parse.GetValue(json);
            try
            {
                var leases = await Coordinators.OpenAsync(options, cancellationToken).ConfigureAwait(false);
                await using (leases.ConfigureAwait(false))
                {
                    return await HandOverAsync(leases, options, name, target, who, wait, quiet, stdout, stderr, cancellationToken).ConfigureAwait(false);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                await stderr.WriteLineAsync($"error: the lease coordinator ({Coordinators.Describe(options)}) failed: {ex.Message}").ConfigureAwait(false);
                return ExitCodes.Failure;
            }
        });
        return command;
    }

    private static async Task<int> HandOverAsync(
        ILeaseCoordinator leases, BulwarkOptions options, string group, string target, string who, TimeSpan wait, bool json,
        TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        var time = TimeProvider.System;
        var before = await leases.ReadAsync(group, cancellationToken).ConfigureAwait(false);
        var leading = before is not null && before.ExpiresAt > time.GetUtcNow() && before.Holder.Length > 0;
        if (leading && before!.Holder == target)
        {
            await stdout.WriteLineAsync(json
                ? Text.Json(new { group, from = target, to = target, tokenBefore = before.Token.Value, tokenAfter = before.Token.Value, seconds = 0.0, alreadyLeading = true })
                : $"{target} already leads {group} (token {before.Token.Value}); nothing to do.").ConfigureAwait(false);
            return ExitCodes.Ok;
        }

        // The store is opened first: a switchover that cannot be audited (a store there but unreadable) is not requested.
        var path = Path.GetFullPath(Path.Combine(options.DataDirectory, BulwarkDefaults.DatabaseFileName));
        SqliteEventStore? store = null;
        if (!Path.Exists(path))
        {
            await stderr.WriteLineAsync($"warning: no event log at {path}; the switchover is not recorded there.").ConfigureAwait(false);
        }
        else if ((store = await StoreReader.OpenAsync(path, stderr, cancellationToken).ConfigureAwait(false)) is null)
        {
            return ExitCodes.Failure;
        }

        var started = time.GetTimestamp();
        await using (((IAsyncDisposable?)store ?? NoCoordinator.Instance).ConfigureAwait(false))
        {
            await leases.RequestHandoverAsync(group, target, wait, cancellationToken).ConfigureAwait(false);
            if (store is not null)
            {
                await RecordAsync(store, group, target, who, leading ? before!.Holder : null, cancellationToken).ConfigureAwait(false);
            }
        }

        if (!json)
        {
            await stdout.WriteLineAsync(leading
                ? $"switchover of {group} from {before!.Holder} (token {before.Token.Value}) to {target} requested by {who}; waiting for {before.Holder} to resign..."
                : $"nobody leads {group}; the next term is reserved for {target} (requested by {who}); waiting...").ConfigureAwait(false);
        }

        var lastHolder = leading ? before!.Holder : null;
        var oldToken = before?.Token.Value ?? 0;
        while (time.GetElapsedTime(started) < wait)
        {
            await Task.Delay(Poll, time, cancellationToken).ConfigureAwait(false);
            var now = await leases.ReadAsync(group, cancellationToken).ConfigureAwait(false);
            var holder = now is not null && now.ExpiresAt > time.GetUtcNow() && now.Holder.Length > 0 ? now.Holder : null;
            if (holder == target && now!.Token.Value > oldToken)
            {
                var seconds = time.GetElapsedTime(started).TotalSeconds;
                await stdout.WriteLineAsync(json
                    ? Text.Json(new { group, from = leading ? before!.Holder : null, to = target, tokenBefore = leading ? oldToken : (long?)null, tokenAfter = now.Token.Value, seconds, alreadyLeading = false })
                    : string.Create(CultureInfo.InvariantCulture, $"{target} leads {group} with token {now.Token.Value} after {seconds:0.00} s.")).ConfigureAwait(false);
                return ExitCodes.Ok;
            }

            if (!json && holder != lastHolder)
            {
                await stdout.WriteLineAsync(holder is null ? $"{lastHolder} resigned; waiting for {target} to take over..." : $"{holder} leads {group}.").ConfigureAwait(false);
                lastHolder = holder;
            }
        }

        var final = await leases.ReadAsync(group, cancellationToken).ConfigureAwait(false);
        await stderr.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"error: {target} did not take over {group} within {wait.TotalSeconds:0.#} s (leader now: {(final is not null && final.ExpiresAt > time.GetUtcNow() ? $"{final.Holder}, token {final.Token.Value}" : "none")}). " +
            $"Is {target} running with failover.replica: {target} and group {group}? The request has lapsed; anyone may lead again."))
            .ConfigureAwait(false);
        return ExitCodes.Failure;
    }

    /// <summary>The request in the event log (audit: who asked for what).</summary>
    private static async Task RecordAsync(SqliteEventStore store, string group, string target, string who, string? from, CancellationToken cancellationToken) =>
        await store.AppendAsync(new SafetyEvent
        {
            Time = TimeProvider.System.GetUtcNow(),
            Kind = FailoverEventKinds.SwitchoverRequested,
            Subject = group,
            Actor = who,
            From = from,
            To = target,
            Cause = "planned switchover",
        }, cancellationToken).ConfigureAwait(false);

    /// <summary>The recorded failovers: none without a store; null (the reason on stderr) when the store is there but unreadable.</summary>
    private static async Task<IReadOnlyList<FailoverRecord>?> ReadFailoversAsync(BulwarkOptions options, TextWriter stderr, CancellationToken cancellationToken)
    {
        var path = Path.GetFullPath(Path.Combine(options.DataDirectory, BulwarkDefaults.DatabaseFileName));
        if (!Path.Exists(path))
        {
            return [];
        }

        var store = await StoreReader.OpenAsync(path, stderr, cancellationToken).ConfigureAwait(false);
        if (store is null)
        {
            return null;
        }

        await using (store.ConfigureAwait(false))
        {
            return await FailoverManager.ReadRecordsAsync(store, cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task<BulwarkOptions?> LoadAsync(FileInfo? config, TextWriter stderr)
    {
        var path = config?.FullName ?? Path.GetFullPath(CommonOptions.DefaultConfigFile);
        var load = BulwarkConfiguration.Load(path);
        if (load.Options is not { } options)
        {
            ConfigErrors.Print(stderr, load.Errors);
            return null;
        }

        if (options.Failover is null)
        {
            await stderr.WriteLineAsync($"error: {path} has no failover: section (see docs/failover.md)").ConfigureAwait(false);
            return null;
        }

        return options;
    }

    private static string Describe(RecoveryTimeReport report) => report.Count == 0
        ? string.Create(CultureInfo.InvariantCulture, $"Recovery-time SLA ({report.MaxRecoveryTimeSeconds:0.#} s): no failover recorded.")
        : string.Create(CultureInfo.InvariantCulture,
            $"Recovery-time SLA ({report.MaxRecoveryTimeSeconds:0.#} s): {(report.SlaMet ? "met" : "NOT met")}; {report.Count} failover(s), p50 {report.P50:0.000} s, p99 {report.P99:0.000} s, max {report.Max:0.000} s, {report.Violations} over the SLA.");
}
