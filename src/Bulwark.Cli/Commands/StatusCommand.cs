using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using Bulwark.Storage;

namespace Bulwark.Cli.Commands;

/// <summary><c>bulwark status [--json]</c>: the latest states, read from the store of a running <c>bulwark run</c>.</summary>
internal static class StatusCommand
{
    /// <summary>A report older than this means the writer is not running (it writes every second).</summary>
    internal static readonly TimeSpan StaleAfter = TimeSpan.FromSeconds(5);

    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var config = CommonOptions.Config();
        var dataDir = CommonOptions.DataDirectory();
        var json = CommonOptions.Json();
        var command = new Command("status", "Show the system and component states, as the running 'bulwark run' last reported them.");
        command.Options.Add(config);
        command.Options.Add(dataDir);
        command.Options.Add(json);
        command.SetAction((parse, cancellationToken) =>
            RunAsync(parse.GetValue(config), parse.GetValue(dataDir), parse.GetValue(json), stdout, stderr, cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(FileInfo? config, DirectoryInfo? dataDir, bool json, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        var opened = await StoreReader.LocateAndOpenAsync(config, dataDir, stderr, cancellationToken).ConfigureAwait(false);
        if (!opened.IsOpen)
        {
            return opened.Exit;
        }

        var (store, databasePath) = (opened.Store, opened.DatabasePath);

        StatusReport? report;
        await using (store.ConfigureAwait(false))
        {
            try
            {
                report = await store.ReadStatusAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (StoreErrors.Describe(databasePath, ex) is { } message)
            {
                await stderr.WriteLineAsync("error: " + message).ConfigureAwait(false);
                return ExitCodes.Failure;
            }
        }

        if (report is null)
        {
            await stderr.WriteLineAsync($"error: the store at {databasePath} has no status yet; is 'bulwark run' starting?").ConfigureAwait(false);
            return ExitCodes.Failure;
        }

        var age = TimeProvider.System.GetUtcNow() - report.UpdatedAt;
        var stale = age > StaleAfter;
        if (json)
        {
            var node = JsonSerializer.SerializeToNode(report, BulwarkJson.Options)!.AsObject();
            node.Insert(0, "stale", stale);
            node.Insert(1, "reportAgeSeconds", Math.Round(age.TotalSeconds, 3));
            await stdout.WriteLineAsync(node.ToJsonString(BulwarkJson.Indented)).ConfigureAwait(false);
            return ExitCodes.Ok;
        }

        if (stale)
        {
            await stdout.WriteLineAsync(
                $"WARNING: the last report is {Text.Age(age)} old; 'bulwark run' (pid {report.ProcessId}) is not running. The states below are from then.")
                .ConfigureAwait(false);
        }

        await stdout.WriteLineAsync(
            $"System: {report.System} since {Text.Time(report.SystemSince)} (reported {Text.Age(age)} ago by pid {report.ProcessId})")
            .ConfigureAwait(false);
        if (report.StoreFault is not null)
        {
            await stdout.WriteLineAsync($"Event store unwritable: {report.StoreFault}").ConfigureAwait(false);
        }

        foreach (var hold in report.Holds ?? [])
        {
            await stdout.WriteLineAsync($"Held at Critical: {hold}").ConfigureAwait(false);
        }

        await stdout.WriteLineAsync().ConfigureAwait(false);
        var rows = new List<IReadOnlyList<string>>();
        foreach (var component in report.Components)
        {
            foreach (var (check, i) in component.Checks.Select((c, i) => (c, i)))
            {
                rows.Add([
                    i == 0 ? component.Name : "",
                    i == 0 ? component.Criticality.ToString().ToLowerInvariant() : "",
                    i == 0 ? component.State.ToString() : "",
                    i == 0 ? Text.Time(component.Since) : "",
                    check.Name,
                    check.Condition.ToString(),
                    check.LastDurationMs is { } ms ? $"{ms:0} ms" : "-",
                    check.LastDescription ?? "(not run yet)",
                ]);
            }
        }

        await stdout.WriteAsync(Text.Table(["COMPONENT", "CRITICALITY", "STATE", "SINCE", "CHECK", "CONDITION", "TOOK", "LAST RESULT"], rows))
            .ConfigureAwait(false);
        return ExitCodes.Ok;
    }
}
