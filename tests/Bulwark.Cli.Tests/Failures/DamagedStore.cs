using System.Diagnostics;
using Bulwark.Storage;
using Microsoft.Data.Sqlite;

namespace Bulwark.Cli.Tests.Failures;

/// <summary>
/// A store with a known history (a system started two minutes ago, web failing since, so one open incident), and the
/// ways a real store gets damaged: made read-only, truncated, written by a newer version, a malformed status row.
/// </summary>
internal static class DamagedStore
{
    public static string DatabasePath(string directory) => Path.Combine(directory, BulwarkDefaults.DatabaseFileName);

    /// <summary>Writes the history and a status row, then closes every connection (no -wal file is left).</summary>
    public static async Task SeedAsync(string directory)
    {
        var now = TimeProvider.System.GetUtcNow();
        await using (var store = await SqliteEventStore.OpenAsync(DatabasePath(directory)))
        {
            var start = now - TimeSpan.FromMinutes(2);
            await store.AppendAsync(new SafetyEvent
            {
                Time = start, Kind = EventKinds.Started, Subject = "system",
                Evidence = """{"components":[{"name":"web","criticality":"Critical","checks":["http"]}]}""",
            });
            await store.AppendAsync(new SafetyEvent { Time = start, Kind = EventKinds.ComponentState, Subject = "web", From = "Unknown", To = "Failed", Cause = "test" });
            await store.AppendAsync(new SafetyEvent { Time = start, Kind = EventKinds.SystemState, Subject = "system", From = "Unknown", To = "Failed", Cause = "test" });
            await store.WriteStatusAsync(new StatusReport { UpdatedAt = now, System = SafetyState.Failed, SystemSince = start, ProcessId = 4242, Components = [] });
        }

        SqliteConnection.ClearAllPools();
    }

    /// <summary>The first incident's id (the seeded history has exactly one open).</summary>
    public const string OpenIncident = "INC-2";

    /// <summary>
    /// Makes the database file unwritable for this process, really: chmod 0444, and for root (whom modes do not stop)
    /// the immutable attribute. Dispose makes it writable again.
    /// </summary>
    public static IDisposable MakeReadOnly(string directory)
    {
        var path = DatabasePath(directory);
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("Bulwark's store tests run on Linux");
        }

        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        var immutable = Environment.UserName == "root" || IsRoot();
        if (immutable)
        {
            Run("chattr", "+i", path);
        }

        return new Undo(() =>
        {
            if (immutable)
            {
                Run("chattr", "-i", path);
            }

            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
        });
    }

    /// <summary>Cuts the file to its first page and a half: the header is there, the tables are not.</summary>
    public static void Truncate(string directory)
    {
        using var file = new FileStream(DatabasePath(directory), FileMode.Open, FileAccess.ReadWrite);
        file.SetLength(Math.Min(file.Length - 1, 4096 + 2048));
    }

    /// <summary>As a later Bulwark with schema version 99 would leave it.</summary>
    public static void NewerSchema(string directory) => Execute(directory, "UPDATE schema_version SET version = 99;");

    /// <summary>A status row whose JSON does not parse as a report (seen: a bad updatedAt).</summary>
    public static void MalformedStatus(string directory) => Execute(directory, """UPDATE status SET json = '{"updatedAt":"yesterday","system":7';""");

    private static void Execute(string directory, string sql)
    {
        using (var connection = new SqliteConnection($"Data Source={DatabasePath(directory)}"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = sql;
            command.ExecuteNonQuery();
        }

        SqliteConnection.ClearAllPools();
    }

    private static bool IsRoot() => Run("id", "-u").Trim() == "0";

    private static string Run(string file, params string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEnd();
        var error = process.StandardError.ReadToEnd();
        if (!process.WaitForExit(10_000) || process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed: {error}");
        }

        return output;
    }

    private sealed class Undo(Action undo) : IDisposable
    {
        public void Dispose() => undo();
    }
}
