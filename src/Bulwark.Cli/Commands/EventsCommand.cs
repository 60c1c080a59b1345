using System.CommandLine;
using Bulwark.Storage;

namespace Bulwark.Cli.Commands;

/// <summary><c>bulwark events [--since DURATION] [--json]</c>: the event log, read from the store.</summary>
internal static class EventsCommand
{
    private static readonly TimeSpan FollowPoll = TimeSpan.FromMilliseconds(500);

    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var config = CommonOptions.Config();
        var dataDir = CommonOptions.DataDirectory();
        var json = CommonOptions.Json();
        var since = new Option<string?>("--since") { Description = "Only events of the last DURATION, e.g. 30s, 10m, 1h30m, 2d." };
        var component = new Option<string?>("--component") { Description = "Only events about this component (or 'system')." };
        var kind = new Option<string?>("--kind") { Description = "Only events whose kind starts with this, e.g. component. or system." };
        var limit = new Option<int>("--limit", "-n") { Description = "At most this many, the newest (default 100).", DefaultValueFactory = _ => 100 };
        var follow = new Option<bool>("--follow", "-f") { Description = "Keep printing new events as they are recorded, until Ctrl-C." };
        var command = new Command("events", "List recorded events: state transitions, starts and stops, audited actions.");
        foreach (var option in new Option[] { config, dataDir, since, component, kind, limit, follow, json })
        {
            command.Options.Add(option);
        }

        command.SetAction(async (parse, cancellationToken) =>
        {
            // Checked here rather than in a parser validator: a validator would also run on values
            // the parser already rejected, and would not see the option defaults.
            var argumentErrors = new List<string>();
            var window = TimeSpan.Zero;
            if (parse.GetValue(since) is { } sinceText && Duration.Parse(sinceText, Duration.Longest, out window) is { } sinceError)
            {
                argumentErrors.Add($"--since: {sinceError}.");
            }

            if (parse.GetValue(limit) < 1)
            {
                argumentErrors.Add($"--limit: must be at least 1, got {parse.GetValue(limit)}.");
            }

            if (argumentErrors.Count > 0)
            {
                foreach (var error in argumentErrors)
                {
                    await stderr.WriteLineAsync("error: " + error).ConfigureAwait(false);
                }

                return ExitCodes.Usage;
            }

            var (databasePath, errors) = StoreLocator.Locate(parse.GetValue(config), parse.GetValue(dataDir));
            if (databasePath is null)
            {
                ConfigErrors.Print(stderr, errors);
                return ExitCodes.Usage;
            }

            DateTimeOffset? from = null;
            if (parse.GetValue(since) is not null)
            {
                from = TimeProvider.System.GetUtcNow() - window;
            }

            var query = new EventQuery { Since = from, Subject = parse.GetValue(component), KindPrefix = parse.GetValue(kind), Limit = parse.GetValue(limit) };
            return await PrintAsync(databasePath, query, parse.GetValue(json), parse.GetValue(follow), stdout, stderr, cancellationToken).ConfigureAwait(false);
        });
        return command;
    }

    private static async Task<int> PrintAsync(string databasePath, EventQuery query, bool json, bool follow, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        if (await StoreReader.OpenAsync(databasePath, stderr, cancellationToken).ConfigureAwait(false) is not { } store)
        {
            return ExitCodes.Failure;
        }

        await using (store.ConfigureAwait(false))
        {
            var events = await store.ReadAsync(query, cancellationToken).ConfigureAwait(false);
            if (json && !follow)
            {
                await stdout.WriteLineAsync(Text.Json(events)).ConfigureAwait(false);
                return ExitCodes.Ok;
            }

            if (!json)
            {
                await stdout.WriteAsync(Text.Table(["SEQ", "TIME", "KIND", "SUBJECT", "CHANGE", "CAUSE"], events.Select(Row))).ConfigureAwait(false);
            }
            else
            {
                foreach (var e in events)
                {
                    await stdout.WriteLineAsync(Text.JsonLine(e)).ConfigureAwait(false);
                }
            }

            if (!follow)
            {
                return ExitCodes.Ok;
            }

            var last = events.Count > 0 ? events[^1].Sequence : 0;
            try
            {
                while (!cancellationToken.IsCancellationRequested)
                {
                    await Task.Delay(FollowPoll, cancellationToken).ConfigureAwait(false);
                    foreach (var e in await store.ReadAsync(query with { AfterSequence = last, Since = null }, cancellationToken).ConfigureAwait(false))
                    {
                        await stdout.WriteLineAsync(json ? Text.JsonLine(e) : string.Join("  ", Row(e))).ConfigureAwait(false);
                        await stdout.FlushAsync(cancellationToken).ConfigureAwait(false);
                        last = e.Sequence;
                    }
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
            }

            return ExitCodes.Ok;
        }
    }

    private static string[] Row(SafetyEvent e) =>
    [
        e.Sequence.ToString(System.Globalization.CultureInfo.InvariantCulture),
        Text.Time(e.Time),
        e.Kind,
        e.Subject,
        e.From is null && e.To is null ? "" : $"{e.From ?? "-"} -> {e.To ?? "-"}",
        (e.Actor is null ? "" : $"[{e.Actor}] ") + (e.Cause ?? ""),
    ];
}
