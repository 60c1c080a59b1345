using System.CommandLine;
using System.Runtime.InteropServices;
using Bulwark.Configuration;
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
        var command = new Command("run", "Run the safety system: watch every component and record every transition until stopped (Ctrl-C).");
        command.Options.Add(config);
        command.Options.Add(json);
        command.Options.Add(verbose);
        command.SetAction((parse, cancellationToken) => RunAsync(
            parse.GetValue(config)?.FullName ?? Path.GetFullPath(CommonOptions.DefaultConfigFile),
            parse.GetValue(json),
            parse.GetValue(verbose),
            stdout,
            stderr,
            cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(string configPath, bool json, bool verbose, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        // SIGTERM (a service manager) and SIGINT (Ctrl-C) both mean: stop cleanly, record the stop, exit 0.
        using var signalled = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        var stopping = signalled.Token;

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

        using var loggers = LoggerFactory.Create(logging => logging
            .SetMinimumLevel(verbose ? LogLevel.Debug : LogLevel.Error)
            .AddSimpleConsole(console =>
            {
                console.SingleLine = true;
                console.UseUtcTimestamp = true;
                console.TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z' ";
            })
            .AddConsole(console => console.LogToStandardErrorThreshold = LogLevel.Trace));

        var system = SafetySystem.Create(options, TimeProvider.System, loggers);
        await using (system.ConfigureAwait(false))
        {
            var output = TextWriter.Synchronized(stdout);
            system.Transitioned += e => output.WriteLine(json ? Text.JsonLine(e) : Line(e));
            try
            {
                await system.StartAsync(stopping).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or Microsoft.Data.Sqlite.SqliteException)
            {
                await stderr.WriteLineAsync($"error: cannot open the store at {system.DatabasePath}: {ex.Message}").ConfigureAwait(false);
                return ExitCodes.Failure;
            }

            if (!json)
            {
                var checks = options.Components.Sum(c => c.Checks.Count);
                await output.WriteLineAsync(
                    $"bulwark: watching {options.Components.Count} component(s), {checks} check(s); events in {system.DatabasePath}. Ctrl-C to stop.")
                    .ConfigureAwait(false);
            }

            try
            {
                await Task.Delay(Timeout.InfiniteTimeSpan, stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
            }

            await system.StopAsync(CancellationToken.None).ConfigureAwait(false);
            if (!json)
            {
                await output.WriteLineAsync("bulwark: stopped").ConfigureAwait(false);
            }
        }

        return ExitCodes.Ok;
    }

    internal static string Line(SafetyEvent e) =>
        $"{Text.Time(e.Time)}  {e.Subject,-20} {e.From,-10} -> {e.To,-10}  {e.Cause}{(e.Sequence == 0 ? "  [NOT RECORDED: store unwritable]" : "")}";
}
