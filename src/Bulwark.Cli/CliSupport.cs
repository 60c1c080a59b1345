using System.CommandLine;
using Bulwark.Configuration;
using System.Globalization;
using System.Text;
using Bulwark.Storage;

namespace Bulwark.Cli;

/// <summary>Options shared by several commands, so they are spelled and described once.</summary>
internal static class CommonOptions
{
    public const string DefaultConfigFile = "bulwark.yaml";

    public static Option<FileInfo?> Config() => new("--config", "-c")
    {
        Description = $"Configuration file (default ./{DefaultConfigFile}).",
    };

    public static Option<DirectoryInfo?> DataDirectory() => new("--data-dir")
    {
        Description = "Data directory holding the store; overrides the configuration's dataDirectory.",
    };

    public static Option<bool> Json() => new("--json")
    {
        Description = "Print machine-readable JSON instead of text.",
    };
}

/// <summary>Finds the store a command should read, from --data-dir, the configuration, or the default.</summary>
internal static class StoreLocator
{
    /// <summary>
    /// The database path, or the configuration's errors. An explicitly named configuration file must
    /// exist and be valid; the default one is used only when present.
    /// </summary>
    public static (string? DatabasePath, IReadOnlyList<OptionsError> Errors) Locate(FileInfo? config, DirectoryInfo? dataDirectory)
    {
        if (dataDirectory is not null)
        {
            return (Path.Combine(dataDirectory.FullName, BulwarkDefaults.DatabaseFileName), []);
        }

        var path = config?.FullName ?? Path.GetFullPath(CommonOptions.DefaultConfigFile);
        if (config is null && !File.Exists(path))
        {
            return (Path.GetFullPath(Path.Combine(BulwarkDefaults.DataDirectory, BulwarkDefaults.DatabaseFileName)), []);
        }

        var load = BulwarkConfiguration.Load(path);
        return load.Options is null
            ? (null, load.Errors)
            : (Path.GetFullPath(Path.Combine(load.Options.DataDirectory, BulwarkDefaults.DatabaseFileName)), []);
    }
}

/// <summary>Opens the store for reading, or says on stderr why it cannot (no store there, unreadable).</summary>
internal static class StoreReader
{
    public static async Task<SqliteEventStore?> OpenAsync(string databasePath, TextWriter stderr, CancellationToken cancellationToken)
    {
        try
        {
            return await SqliteEventStore.OpenExistingAsync(databasePath, cancellationToken).ConfigureAwait(false);
        }
        catch (FileNotFoundException)
        {
            await stderr.WriteLineAsync($"error: no Bulwark store at {databasePath}; start one with 'bulwark run --config FILE'.").ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is Microsoft.Data.Sqlite.SqliteException or InvalidDataException or IOException or UnauthorizedAccessException)
        {
            await stderr.WriteLineAsync($"error: cannot read the store at {databasePath}: {ex.Message}").ConfigureAwait(false);
        }

        return null;
    }
}

/// <summary>How configuration errors are shown by every command: one line each, <c>path: message</c>, to stderr.</summary>
internal static class ConfigErrors
{
    public static void Print(TextWriter stderr, IReadOnlyList<OptionsError> errors)
    {
        foreach (var error in errors)
        {
            stderr.WriteLine(error.ToString());
        }
    }
}

/// <summary>Durations such as <c>30s</c>, <c>10m</c>, <c>1h30m</c>, <c>2d</c>, <c>1w</c>.</summary>
internal static class Duration
{
    public static bool TryParse(string? text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var span = text.AsSpan().Trim();
        var any = false;
        while (!span.IsEmpty)
        {
            var digits = 0;
            while (digits < span.Length && (char.IsAsciiDigit(span[digits]) || span[digits] == '.'))
            {
                digits++;
            }

            if (digits == 0 || digits == span.Length ||
                !double.TryParse(span[..digits], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value))
            {
                return false;
            }

            var unit = span[digits] switch
            {
                's' => TimeSpan.FromSeconds(1),
                'm' => TimeSpan.FromMinutes(1),
                'h' => TimeSpan.FromHours(1),
                'd' => TimeSpan.FromDays(1),
                'w' => TimeSpan.FromDays(7),
                _ => TimeSpan.Zero,
            };
            if (unit == TimeSpan.Zero)
            {
                return false;
            }

            duration += unit * value;
            span = span[(digits + 1)..];
            any = true;
        }

        return any && duration > TimeSpan.Zero;
    }
}

/// <summary>Text output a person can read: aligned columns, UTC times.</summary>
internal static class Text
{
    public static string Time(DateTimeOffset? time) =>
        time?.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture) ?? "-";

    public static string Age(TimeSpan age) => age.TotalSeconds switch
    {
        < 60 => age.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture) + " s",
        < 3600 => age.TotalMinutes.ToString("0.0", CultureInfo.InvariantCulture) + " min",
        _ => age.TotalHours.ToString("0.0", CultureInfo.InvariantCulture) + " h",
    };

    public static string Table(IReadOnlyList<string> header, IEnumerable<IReadOnlyList<string>> rows)
    {
        var all = new List<IReadOnlyList<string>> { header };
        all.AddRange(rows);
        var widths = new int[header.Count];
        foreach (var row in all)
        {
            for (var i = 0; i < row.Count - 1; i++)
            {
                widths[i] = Math.Max(widths[i], row[i].Length);
            }
        }

        var text = new StringBuilder();
        foreach (var row in all)
        {
            for (var i = 0; i < row.Count; i++)
            {
                text.Append(i < row.Count - 1 ? row[i].PadRight(widths[i] + 2) : row[i]);
            }

            text.AppendLine();
        }

        return text.ToString();
    }

    public static string Json<T>(T value) => System.Text.Json.JsonSerializer.Serialize(value, BulwarkJson.Indented);

    public static string JsonLine<T>(T value) => System.Text.Json.JsonSerializer.Serialize(value, BulwarkJson.Options);
}
