using System.CommandLine;
using System.CommandLine.Help;
using Bulwark.Cli.Commands;

namespace Bulwark.Cli;

/// <summary>The <c>bulwark</c> command tree. Each command lives in its own file under Commands/.</summary>
internal static class BulwarkCli
{
    public static Command Build(TextWriter stdout, TextWriter stderr)
    {
        // A plain command named like the tool, so help says `bulwark` whatever the assembly is called.
        var root = new Command("bulwark", "Bulwark: a safety system for automated trading.");
        root.Options.Add(new HelpOption());
        root.Options.Add(new VersionOption());
        root.Subcommands.Add(RunCommand.Create(stdout, stderr));
        root.Subcommands.Add(Commands.Demo.DemoCommand.Create(stdout, stderr));
        root.Subcommands.Add(StatusCommand.Create(stdout, stderr));
        root.Subcommands.Add(EventsCommand.Create(stdout, stderr));
        root.Subcommands.Add(AvailabilityCommands.Sla(stdout, stderr));
        root.Subcommands.Add(AvailabilityCommands.Incidents(stdout, stderr));
        root.Subcommands.Add(AvailabilityCommands.Slo(stdout, stderr));
        root.Subcommands.Add(FailoverCommands.Create(stdout, stderr));
        root.Subcommands.Add(RecoverCommands.Create(stdout, stderr));
        root.Subcommands.Add(RedundancyCommand.Create(stdout, stderr));
        root.Subcommands.Add(DrillCommands.Create(stdout, stderr));
        root.Subcommands.Add(ConfigCommand.Create(stdout, stderr));
        root.Subcommands.Add(KeysCommand.Create(stdout, stderr));
        return root;
    }

    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var root = Build(stdout, stderr);
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
            {
                await stderr.WriteLineAsync($"error: {error.Message}").ConfigureAwait(false);
            }

            await stderr.WriteLineAsync("Run 'bulwark --help' for usage.").ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        // No stack trace ever reaches a user: every failure is one line saying what to do, exit 1 (2 for bad input).
        var configuration = new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false };
        try
        {
            return await parse.InvokeAsync(configuration).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            var (exit, message) = Describe(ex);
            await stderr.WriteLineAsync("error: " + message).ConfigureAwait(false);
            return exit;
        }
    }

    /// <summary>The one line (and exit code) for a failure no command caught itself.</summary>
    internal static (int Exit, string Message) Describe(Exception exception) => exception switch
    {
        CliFailureException e => (e.ExitCode, e.Message),
        OperationCanceledException => (ExitCodes.Failure, "cancelled before it finished"),
        BulwarkOptionsException e => (ExitCodes.Usage, e.Message.ReplaceLineEndings(" ")),
        _ when StoreErrors.Describe(StorePath(exception) ?? "the data directory", exception) is { } store => (ExitCodes.Failure, store),
        _ => (ExitCodes.Failure, $"unexpected failure ({exception.GetType().Name}: {exception.Message.ReplaceLineEndings(" ")}); please report it with the command that caused it"),
    };

    /// <summary>The file an I/O exception names, when it names one.</summary>
    private static string? StorePath(Exception exception) => exception switch
    {
        FileNotFoundException { FileName: { } file } => file,
        _ => null,
    };
}

/// <summary>Exit codes shared by every command.</summary>
internal static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>Something failed at run time (store unreadable, nothing running).</summary>
    public const int Failure = 1;

    /// <summary>Bad input: invalid configuration or arguments.</summary>
    public const int Usage = 2;
}
