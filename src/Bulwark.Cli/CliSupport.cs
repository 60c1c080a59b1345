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

/// <summary>What <see cref="StoreReader.LocateAndOpenAsync"/> found: the store and its path, or the exit code without it.</summary>
internal readonly record struct OpenedStore(SqliteEventStore? Store, string? DatabasePath, int Exit)
{
    [System.Diagnostics.CodeAnalysis.MemberNotNullWhen(true, nameof(Store), nameof(DatabasePath))]
    public bool IsOpen => Store is not null && DatabasePath is not null;
}

/// <summary>Opens the store for reading, or says on stderr why it cannot (no store there, unreadable).</summary>
internal static class StoreReader
{
    /// <summary>
    /// The store a command names (<c>--data-dir</c>, the configuration, or the default), opened for reading; without it,
    /// after saying why on stderr, the exit code: <see cref="ExitCodes.Usage"/> for a bad configuration,
    /// <see cref="ExitCodes.Failure"/> for a store that cannot be read.
    /// </summary>
    public static async Task<OpenedStore> LocateAndOpenAsync(FileInfo? config, DirectoryInfo? dataDirectory, TextWriter stderr, CancellationToken cancellationToken)
    {
        var (databasePath, errors) = StoreLocator.Locate(config, dataDirectory);
        if (databasePath is null)
        {
            ConfigErrors.Print(stderr, errors);
            return new OpenedStore(null, null, ExitCodes.Usage);
        }

        var store = await OpenAsync(databasePath, stderr, cancellationToken).ConfigureAwait(false);
        return new OpenedStore(store, databasePath, store is null ? ExitCodes.Failure : ExitCodes.Ok);
    }

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
        catch (Exception ex) when (StoreErrors.Describe(databasePath, ex) is { } message)
        {
            await stderr.WriteLineAsync("error: " + message).ConfigureAwait(false);
        }

        return null;
    }

    /// <summary>Opens the store for writing (a command that records an event), printing any loose permission on stderr.</summary>
    public static async Task<SqliteEventStore> OpenForWritingAsync(string databasePath, TextWriter stderr, CancellationToken cancellationToken)
    {
        var store = await SqliteEventStore.OpenAsync(databasePath, cancellationToken).ConfigureAwait(false);
        foreach (var warning in store.PermissionWarnings)
        {
            await stderr.WriteLineAsync("warning: " + warning).ConfigureAwait(false);
        }

        return store;
    }
}

/// <summary>
/// What a store failure means and what to do about it, in one line, for every command. Null for an exception that is
/// not about the store.
/// </summary>
internal static class StoreErrors
{
    // SQLite primary result codes (https://sqlite.org/rescode.html).
    private const int Perm = 3, Busy = 5, Locked = 6, ReadOnly = 8, IoErr = 10, Corrupt = 11, Full = 13, CantOpen = 14, Auth = 23, NotADb = 26;

    public static string? Describe(string databasePath, Exception exception) => exception switch
    {
        StoreUnreadableException e => e.Message,
        Microsoft.Data.Sqlite.SqliteException e => (e.SqliteErrorCode & 0xff) switch
        {
            ReadOnly => $"the store at {databasePath} is read-only: give this user write access to the file and its directory (or mount it read-write), then retry",
            Full => $"the disk holding {databasePath} is full: free some space on it, then retry; nothing was recorded",
            Busy or Locked => $"the store at {databasePath} is locked by another process (an open transaction or a backup): retry when it is done",
            Corrupt or NotADb => $"the store at {databasePath} is damaged ({e.Message.TrimEnd('.')}): restore it from a backup, or move it away to start a new store",
            CantOpen when File.Exists(databasePath) =>
                $"cannot open the store at {databasePath} ({e.Message.TrimEnd('.')}): its file system is read-only or this user may not write in its directory (SQLite needs its -wal and -shm files there); remount it read-write or fix the permissions, then retry",
            CantOpen or Perm or Auth => $"cannot open the store at {databasePath} ({e.Message.TrimEnd('.')}): check that its directory exists and that this user may read and write it",
            IoErr when DiskIsFull(databasePath) => $"the disk holding {databasePath} is full: free some space on it, then retry; nothing was recorded",
            IoErr => $"input/output error on the store at {databasePath} ({e.Message.TrimEnd('.')}): check the disk, then retry",
            _ => $"the store at {databasePath} failed ({e.Message.TrimEnd('.')}): check it with 'sqlite3 {databasePath} \"PRAGMA integrity_check\"'",
        },
        UnauthorizedAccessException e => $"no permission on the store at {databasePath} ({e.Message.TrimEnd('.')}): give this user read and write access to it and its directory",
        IOException when DiskIsFull(databasePath) =>
            $"the disk holding {databasePath} is full: free some space on it, then retry",
        IOException e => $"cannot use the store at {databasePath} ({e.Message.TrimEnd('.')}): check the disk and the permissions of the data directory",
        _ => null,
    };

    /// <summary>
    /// Whether the file system holding the store has no room left (SQLite reports a full disk as an I/O error when it
    /// is the shared-memory file that cannot grow).
    /// </summary>
    private static bool DiskIsFull(string databasePath)
    {
        try
        {
            var directory = Path.GetDirectoryName(Path.GetFullPath(databasePath));
            return directory is not null && Directory.Exists(directory) && new DriveInfo(directory).AvailableFreeSpace < 64 * 1024;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return false;
        }
    }
}

/// <summary>A failure a command reports in one line, with its exit code: <see cref="ExitCodes.Usage"/> for bad input, <see cref="ExitCodes.Failure"/> at run time.</summary>
internal sealed class CliFailureException : Exception
{
    public CliFailureException()
    {
    }

    public CliFailureException(string message)
        : base(message)
    {
    }

    public CliFailureException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public CliFailureException(int exitCode, string message)
        : base(message)
    {
        ExitCode = exitCode;
    }

    public int ExitCode { get; } = ExitCodes.Failure;
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
