using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Bulwark.Configuration;

namespace Bulwark.Cli.Commands;

/// <summary><c>bulwark config check FILE [--json]</c>: validate a configuration file.</summary>
internal static class ConfigCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var config = new Command("config", "Work with configuration files.");
        var file = new Argument<string>("FILE") { Description = "The configuration file to check." };
        var json = new Option<bool>("--json") { Description = "Print the result as JSON on standard output." };
        var check = new Command(
            "check",
            "Validate a configuration file, with BULWARK__ environment overrides applied: exit 0 when valid, 2 with every error when not.");
        check.Arguments.Add(file);
        check.Options.Add(json);
        check.SetAction(parse => Check(parse.GetRequiredValue(file), parse.GetValue(json), stdout, stderr));
        config.Subcommands.Add(check);
        return config;
    }

    /// <summary>Loads the file exactly as <c>run</c> would (environment included) and reports every error.</summary>
    internal static int Check(string path, bool json, TextWriter stdout, TextWriter stderr)
    {
        var result = BulwarkConfiguration.Load(path);
        if (json)
        {
            stdout.WriteLine(ToJson(result));
        }
        else if (result.IsValid)
        {
            var checks = result.Options.Components.Sum(c => c.Checks.Count);
            stdout.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"{path}: valid ({Count(result.Options.Components.Count, "component")}, {Count(checks, "check")})"));
        }
        else
        {
            ConfigErrors.Print(stderr, result.Errors);
        }

        return result.IsValid ? ExitCodes.Ok : ExitCodes.Usage;
    }

    private static string ToJson(ConfigurationLoadResult result)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            writer.WriteBoolean("valid", result.IsValid);
            if (result.IsValid)
            {
                writer.WriteNumber("components", result.Options.Components.Count);
                writer.WriteNumber("checks", result.Options.Components.Sum(c => c.Checks.Count));
            }

            writer.WriteStartArray("errors");
            foreach (var error in result.Errors)
            {
                writer.WriteStartObject();
                writer.WriteString("path", error.Path);
                writer.WriteString("message", error.Message);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static string Count(int count, string noun) =>
        string.Create(CultureInfo.InvariantCulture, $"{count} {noun}{(count == 1 ? "" : "s")}");
}
