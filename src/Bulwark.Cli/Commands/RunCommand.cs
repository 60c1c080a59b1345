using System.CommandLine;
using System.Runtime.InteropServices;
using System.Threading.Channels;
using Bulwark.Configuration;
using Bulwark.Server;
using Bulwark.Storage;
using Microsoft.Extensions.Logging;

namespace Bulwark.Cli.Commands;

/// <summary><c>bulwark run [--config FILE]</c>: run the safety system until Ctrl-C or SIGTERM.</summary>
internal static class RunCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var config = CommonOptions.Config();
        var json = CommonOptions.Json();
        var verbose = new Option<bool>("--verbose", "-v") { Description = "Log every check result to stderr." };
        var urls = new Option<string[]>("--urls")
        {
            Description = $"Where the HTTP API listens, replacing server.urls (default {ServerOptions.DefaultUrl}); several separated by ';' or repeated. Port 0 takes a free port.",
            AllowMultipleArgumentsPerToken = true,
        };
        var command = new Command("run", "Run the safety system: watch every component and record every transition until stopped (Ctrl-C).");
        command.Options.Add(config);
        command.Options.Add(json);
        command.Options.Add(verbose);
        command.Options.Add(urls);
        command.SetAction((parse, cancellationToken) => RunAsync(
            parse.GetValue(config)?.FullName ?? Path.GetFullPath(CommonOptions.DefaultConfigFile),
            parse.GetValue(json),
            parse.GetValue(verbose),
            parse.GetValue(urls),
            stdout,
            stderr,
            cancellationToken));
        return command;
    }

    /// <summary>As <c>bulwark run</c>; <paramref name="serving"/> is called with the server's addresses once it listens (bulwark demo).</summary>
    internal static async Task<int> RunAsync(string configPath, bool json, bool verbose, string[]? urls, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken,
        Func<IReadOnlyList<string>, Task>? serving = null)
    {
        // SIGTERM (a service manager) and SIGINT (Ctrl-C) both mean: stop cleanly, record the stop, exit 0.
        using var signalled = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        var stopping = signalled.Token;

        // SIGHUP: reload the trading limits from the file (validated whole, applied atomically, audited). Handled
        // from the start, so a reload asked for once the "watching" line is out can never hit the default action
        // (terminate); one that comes before the system runs waits for it.
        var reloads = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
        using var sighup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
        {
            context.Cancel = true;
            reloads.Writer.TryWrite(true);
        });

        void Stop(PosixSignalContext context)
        {
            context.Cancel = true;
            signalled.Cancel();
        }

        var load = BulwarkConfiguration.Load(configPath);
        if (load.Options is not { } options)
        {
            ConfigErrors.Print(stderr, load.Errors);
            return ExitCodes.Usage;
        }

        var serverUrls = ServerUrls(urls, options, stderr);
        if (serverUrls is null)
        {
            return ExitCodes.Usage;
        }

        using var loggers = LoggerFactory.Create(logging => logging
            .SetMinimumLevel(verbose ? LogLevel.Debug : LogLevel.Error)
            .AddSimpleConsole(console =>
            {
                console.SingleLine = true;
                console.UseUtcTimestamp = true;
                console.TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z' ";
            })
            .AddConsole(console => console.LogToStandardErrorThreshold = LogLevel.Trace));

        // The embedded SQLite coordinator is the system's own; PostgreSQL and etcd come from their packages.
        Bulwark.Failover.ILeaseCoordinator? leases = null;
        Bulwark.Trading.IKillSwitchChannel? killSwitchChannel = null;
        if (options.Failover is { Coordinator.Backend: not CoordinatorBackend.Sqlite })
        {
            try
            {
                leases = await Coordinators.OpenAsync(options, stopping).ConfigureAwait(false);
                killSwitchChannel = await Coordinators.OpenKillSwitchAsync(options, stopping).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                await stderr.WriteLineAsync($"error: cannot reach the lease coordinator ({Coordinators.Describe(options)}): {ex.Message}").ConfigureAwait(false);
                return ExitCodes.Failure;
            }
        }

        await using var ownedLeases = ((IAsyncDisposable?)leases ?? NoCoordinator.Instance).ConfigureAwait(false);
        await using var ownedChannel = ((IAsyncDisposable?)killSwitchChannel ?? NoCoordinator.Instance).ConfigureAwait(false);

        // The trading journal on PostgreSQL comes from its package; the SQLite one is the system's own.
        Bulwark.Trading.Journal.ITradingJournalStore? journalStore;
        try
        {
            journalStore = await Coordinators.OpenJournalAsync(options, stopping).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            await stderr.WriteLineAsync($"error: cannot reach the trading journal (postgresql): {ex.Message}").ConfigureAwait(false);
            return ExitCodes.Failure;
        }

        await using var ownedJournal = ((IAsyncDisposable?)journalStore ?? NoCoordinator.Instance).ConfigureAwait(false);
        var system = SafetySystem.Create(options, TimeProvider.System, loggers, eventStore: null, leaseCoordinator: leases, killSwitchChannel: killSwitchChannel, tradingJournalStore: journalStore);
        await using (system.ConfigureAwait(false))
        {
            var output = TextWriter.Synchronized(stdout);
            system.Transitioned += e => output.WriteLine(json ? Text.JsonLine(e) : Line(e));
            try
            {
                await system.StartAsync(stopping).ConfigureAwait(false);
            }
            catch (Exception ex) when (StoreErrors.Describe(system.DatabasePath, ex) is { } message)
            {
                await stderr.WriteLineAsync("error: " + message).ConfigureAwait(false);
                return ExitCodes.Failure;
            }

            foreach (var warning in system.StoreWarnings)
            {
                await stderr.WriteLineAsync("warning: " + warning).ConfigureAwait(false);
            }

            if (system.Recovery is { } recovery)
            {
                recovery.Recorded += e => output.WriteLine(json ? Text.JsonLine(e) : RecoveryLine(e));
            }

            foreach (var elector in system.Failover?.Electors ?? [])
            {
                elector.Changed += change => output.WriteLine(json
                    ? Text.JsonLine(new { kind = "failover.leadership", group = elector.Group, replica = elector.Holder, change.IsLeader, token = change.Token?.Value, change.Reason })
                    : $"{Text.Time(change.At)}  failover  {elector.Holder} {(change.IsLeader ? "leads" : "no longer leads")} {elector.Group} (token {change.Token?.Value}): {change.Reason}");
            }

            BulwarkServer? server = null;
            if (options.Server?.Enabled != false)
            {
                try
                {
                    server = await BulwarkServer.StartAsync(system, serverUrls, stopping).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // The key file (SQLite) failing is a store problem; anything else is the listening that failed.
                    var keys = Path.GetFullPath(Path.Combine(options.DataDirectory, Bulwark.Server.Auth.ApiKeyStore.FileName));
                    var message = ex is Microsoft.Data.Sqlite.SqliteException or StoreUnreadableException or UnauthorizedAccessException
                        ? StoreErrors.Describe(keys, ex)
                        : $"cannot serve the HTTP API on {string.Join(", ", serverUrls)} ({ex.Message.TrimEnd('.')}): free the port, or choose another with --urls or server.urls (server.enabled: false turns the API off)";
                    await stderr.WriteLineAsync("error: " + message).ConfigureAwait(false);
                    await system.StopAsync(CancellationToken.None).ConfigureAwait(false);
                    return ExitCodes.Failure;
                }

                await output.WriteLineAsync(json
                    ? Text.JsonLine(new { kind = "server.listening", urls = server.Addresses })
                    : $"bulwark: serving the HTTP API on {string.Join(", ", server.Addresses)} (docs/server.md; keys: bulwark keys add)").ConfigureAwait(false);

                if (serving is not null)
                {
                    await serving(server.Addresses).ConfigureAwait(false);
                }
            }

            await using var ownedServer = ((IAsyncDisposable?)server ?? NoCoordinator.Instance).ConfigureAwait(false);
            if (!json)
            {
                var checks = options.Components.Sum(c => c.Checks.Count);
                await output.WriteLineAsync(
                    $"bulwark: watching {options.Components.Count} component(s), {checks} check(s); events in {system.DatabasePath}. Ctrl-C to stop.")
                    .ConfigureAwait(false);
            }

            try
            {
                while (await reloads.Reader.WaitToReadAsync(stopping).ConfigureAwait(false))
                {
                    reloads.Reader.TryRead(out _);
                    await ReloadTradingLimitsAsync(system, configPath, output, stderr).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
            }

            // The API first: no request reads a system that is stopping.
            if (server is not null)
            {
                await server.StopAsync(CancellationToken.None).ConfigureAwait(false);
            }

            await system.StopAsync(CancellationToken.None).ConfigureAwait(false);
            if (!json)
            {
                await output.WriteLineAsync("bulwark: stopped").ConfigureAwait(false);
            }
        }

        return ExitCodes.Ok;
    }

    /// <summary>
    /// The URLs to serve: <c>--urls</c> when given (checked like server.urls, and an https one needs server.tls), else the
    /// configuration's. Null after printing why when one is bad.
    /// </summary>
    internal static IReadOnlyList<string>? ServerUrls(string[]? urls, BulwarkOptions options, TextWriter stderr)
    {
        var given = (urls ?? []).SelectMany(u => u.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList();
        if (given.Count == 0)
        {
            return (options.Server ?? new ServerOptions()).EffectiveUrls;
        }

        var errors = new List<OptionsError>();
        var https = ServerOptionsValidator.ValidateUrls(errors, "--urls", given);
        if (https && options.Server?.Tls is null)
        {
            errors.Add(new OptionsError("--urls", "an https:// URL needs a certificate: set server.tls.certificate in the configuration"));
        }

        if (errors.Count > 0)
        {
            ConfigErrors.Print(stderr, errors);
            return null;
        }

        return given;
    }

    /// <summary>
    /// Applies the file's <c>trading:</c> limits to the running gate. An invalid file or change is refused
    /// whole and the limits in force stay; components and other settings need a restart.
    /// </summary>
    internal static async Task ReloadTradingLimitsAsync(SafetySystem system, string configPath, TextWriter output, TextWriter stderr)
    {
        var load = BulwarkConfiguration.Load(configPath);
        if (load.Options is not { } options)
        {
            await stderr.WriteLineAsync($"reload refused: {configPath} is invalid; the limits in force stay").ConfigureAwait(false);
            ConfigErrors.Print(stderr, load.Errors);
            return;
        }

        if (system.Trading is not { } trading || options.Trading is null)
        {
            await stderr.WriteLineAsync("reload refused: adding or removing the trading section needs a restart").ConfigureAwait(false);
            return;
        }

        var who = $"{Environment.UserName}@{Environment.MachineName} (SIGHUP)";
        // The audit event (applied or refused) is written by ApplyAsync, before the line that reports the reload (a
        // supervisor that reads the line then finds the event).
        var (errors, notWritten) = await Bulwark.Trading.TradingLimitsChange.ApplyAsync(trading, options.Trading, who, $"configuration reload from {configPath}").ConfigureAwait(false);
        if (notWritten is not null)
        {
            await stderr.WriteLineAsync($"warning: the audit event is not written yet ({notWritten.Message}); the next flush retries it").ConfigureAwait(false);
        }

        if (errors.Count > 0)
        {
            await stderr.WriteLineAsync("reload refused; the limits in force stay:").ConfigureAwait(false);
            ConfigErrors.Print(stderr, errors);
        }
        else
        {
            await output.WriteLineAsync($"bulwark: trading limits reloaded from {configPath}").ConfigureAwait(false);
        }
    }

    internal static string RecoveryLine(SafetyEvent e) =>
        $"{Text.Time(e.Time)}  {e.Subject,-20} {e.Kind,-26} {e.Cause}{(e.Sequence == 0 ? "  [NOT RECORDED: store unwritable]" : "")}";

    internal static string Line(SafetyEvent e) =>
        $"{Text.Time(e.Time)}  {e.Subject,-20} {e.From,-10} -> {e.To,-10}  {e.Cause}{(e.Sequence == 0 ? "  [NOT RECORDED: store unwritable]" : "")}";
}

/// <summary>Nothing to dispose: stands in when the system owns its coordinator (SQLite) or has none.</summary>
internal sealed class NoCoordinator : IAsyncDisposable
{
    public static readonly NoCoordinator Instance = new();

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
