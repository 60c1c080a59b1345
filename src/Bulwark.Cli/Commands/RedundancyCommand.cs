using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Bulwark.Configuration;
using Bulwark.Failover;
using Bulwark.Health;
using Bulwark.Redundancy;

namespace Bulwark.Cli.Commands;

/// <summary>
/// <c>bulwark redundancy [--json]</c>: the topology of the <c>redundancy:</c> section checked on live health (the running
/// system's component states from the store, the pid files, the coordinator's leases): the level reached, N+k, findings.
/// Exit 0 when every service has N + k healthy replicas, 1 when not (the report is printed), 2 on bad input.
/// </summary>
internal static class RedundancyCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var config = CommonOptions.Config();
        var json = CommonOptions.Json();
        var command = new Command("redundancy", "The level of redundancy reached (N+0 … N+k) by every service of the redundancy: section, from live health, with single points of failure, spread and standby readiness.");
        command.Options.Add(config);
        command.Options.Add(json);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var options = await LoadAsync(parse.GetValue(config), stderr).ConfigureAwait(false);
            if (options is null)
            {
                return ExitCodes.Usage;
            }

            var report = await EvaluateAsync(options, stderr, cancellationToken).ConfigureAwait(false);
            if (parse.GetValue(json))
            {
                await stdout.WriteLineAsync(Text.Json(report)).ConfigureAwait(false);
            }
            else
            {
                await stdout.WriteAsync(Describe(report)).ConfigureAwait(false);
            }

            return report.Met ? ExitCodes.Ok : ExitCodes.Failure;
        });
        return command;
    }

    /// <summary>The configuration, which must be valid and have a redundancy: section; null after printing why not.</summary>
    internal static async Task<BulwarkOptions?> LoadAsync(FileInfo? config, TextWriter stderr)
    {
        var path = config?.FullName ?? Path.GetFullPath(CommonOptions.DefaultConfigFile);
        var load = BulwarkConfiguration.Load(path);
        if (load.Options is not { } options)
        {
            ConfigErrors.Print(stderr, load.Errors);
            return null;
        }

        if (options.Redundancy is null)
        {
            await stderr.WriteLineAsync($"error: --config: {path} has no redundancy: section (see docs/redundancy.md)").ConfigureAwait(false);
            return null;
        }

        return options;
    }

    /// <summary>
    /// Evaluates from what can be read now: component states from the store's latest status (none when there is no store),
    /// leases from the coordinator (none when it cannot be reached); each missing source is said on stderr and counts as
    /// no evidence, never as health.
    /// </summary>
    internal static async Task<RedundancyReport> EvaluateAsync(BulwarkOptions options, TextWriter stderr, CancellationToken cancellationToken)
    {
        var path = Path.GetFullPath(Path.Combine(options.DataDirectory, BulwarkDefaults.DatabaseFileName));
        Storage.SqliteEventStore? store = null;
        if (!File.Exists(path))
        {
            await stderr.WriteLineAsync($"warning: no store at {path}: no component state is known (is 'bulwark run' running?)").ConfigureAwait(false);
        }
        else
        {
            store = await StoreReader.OpenAsync(path, stderr, cancellationToken).ConfigureAwait(false);
        }

        var leases = await OpenLeasesAsync(options, new RedundancyValidator(options), stderr, cancellationToken).ConfigureAwait(false);
        try
        {
            return await EvaluateAsync(options, store, leases, stderr, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            if (leases is not null)
            {
                await leases.DisposeAsync().ConfigureAwait(false);
            }

            if (store is not null)
            {
                await store.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>The coordinator when the topology names a failover group; null (said on stderr) when it cannot be opened.</summary>
    internal static async Task<ILeaseCoordinator?> OpenLeasesAsync(BulwarkOptions options, RedundancyValidator validator, TextWriter stderr, CancellationToken cancellationToken)
    {
        if (options.Failover is null || !validator.Groups.Any())
        {
            return null;
        }

        try
        {
            return await Coordinators.OpenAsync(options, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            await stderr.WriteLineAsync($"warning: cannot open the lease coordinator ({Coordinators.Describe(options)}): {ex.Message}; no leader is known").ConfigureAwait(false);
            return null;
        }
    }

    /// <summary>Evaluates from an open store (its latest status) and coordinator, either of which may be missing.</summary>
    internal static async Task<RedundancyReport> EvaluateAsync(
        BulwarkOptions options, Storage.SqliteEventStore? store, ILeaseCoordinator? leases, TextWriter stderr, CancellationToken cancellationToken)
    {
        var validator = new RedundancyValidator(options);
        StatusReport? status = null;
        if (store is not null)
        {
            try
            {
                status = await store.ReadStatusAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is Microsoft.Data.Sqlite.SqliteException or JsonException)
            {
                await stderr.WriteLineAsync($"warning: cannot read the status: {ex.Message}; no component state is known").ConfigureAwait(false);
            }
        }

        var now = TimeProvider.System.GetUtcNow();
        var leaders = await validator.ReadLeadersAsync(leases, now, cancellationToken).ConfigureAwait(false);
        return validator.Evaluate(name => status?.Components.FirstOrDefault(c => c.Name == name), leaders, now);
    }

    internal static string Describe(RedundancyReport report)
    {
        var text = new System.Text.StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture,
            $"Redundancy: {RedundancyMonitor.Level(report.Level)} reached, N+{report.Required} required: {(report.Met ? "met" : "NOT met")} (at {Text.Time(report.At)})");
        text.Append(Text.Table(["SERVICE", "TYPE", "N", "K", "HEALTHY", "LEVEL", "MET"], report.Services.Select(s => (IReadOnlyList<string>)
        [
            s.Name, RedundancyConfigurationBinder.TypeName(s.Type), Number(s.Capacity), Number(s.Required), $"{Number(s.Healthy)}/{Number(s.Total)}",
            RedundancyMonitor.Level(s.Level), s.Met ? "yes" : "no",
        ])));
        text.Append(Text.Table(["SERVICE", "REPLICA", "ROLE", "HOST", "ZONE", "REGION", "HEALTHY", "EVIDENCE"], report.Services.SelectMany(s => s.Replicas.Select(r => (IReadOnlyList<string>)
        [
            s.Name, r.Leader ? r.Name + " (leader)" : r.Name, r.Role.ToString().ToLowerInvariant(), r.Host, r.Zone, r.Region, r.Healthy ? "yes" : "no", r.Evidence,
        ]))));
        text.AppendLine(report.Findings.Count == 0 ? "No findings." : "Findings:");
        foreach (var finding in report.Findings)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"  {finding}");
        }

        return text.ToString();
    }

    private static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);
}
