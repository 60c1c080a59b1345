using System.CommandLine;

namespace Bulwark.Cli.Commands;

/// <summary><c>bulwark config check FILE</c>: validate a configuration file.</summary>
internal static class ConfigCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var config = new Command("config", "Work with configuration files.");
        var file = new Argument<FileInfo>("FILE") { Description = "The configuration file to check." };
        var check = new Command("check", "Validate a configuration file: exit 0 when valid, 2 with every error when not.");
        check.Arguments.Add(file);
        check.SetAction(parse =>
        {
            // Filled in by the configuration work: load, validate, print every error with its path.
            _ = parse.GetValue(file);
            stderr.WriteLine("error: not implemented yet");
            return ExitCodes.Failure;
        });
        config.Subcommands.Add(check);
        _ = stdout;
        return config;
    }
}
