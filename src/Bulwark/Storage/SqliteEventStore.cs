using System.Globalization;
using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace Bulwark.Storage;

/// <summary>
/// The embedded default store: one SQLite file in WAL mode with <c>synchronous=FULL</c>, so an
/// appended event is on disk when <see cref="AppendAsync"/> completes, and other processes can read
/// while one process writes. Triggers make the event table append-only.
/// </summary>
internal sealed class SqliteEventStore : IEventStore, IStatusStore
{
    /// <summary>The schema version this code reads and writes.</summary>
    internal const int SchemaVersion = 1;

    /// <summary>The data directory is created owner-only: the event log is nobody else's to read.</summary>
    internal const UnixFileMode DirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>
    /// The database file is created owner read-write only; SQLite gives its -wal and -shm files the same mode. Anyone
    /// who can write it could drop the append-only triggers.
    /// </summary>
    internal const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private const UnixFileMode GroupOrOther =
        UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    private readonly SqliteConnection _writer;
    private readonly string _readConnectionString;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private bool _disposed;

    private SqliteEventStore(string path, SqliteConnection writer, string readConnectionString)
    {
        DatabasePath = path;
        _writer = writer;
        _readConnectionString = readConnectionString;
    }

    public string DatabasePath { get; }

    /// <summary>
    /// One line for each of the data directory and the database file whose mode lets anyone but the owner in, with the
    /// command that fixes it (empty when both are owner-only, and on Windows).
    /// </summary>
    public IReadOnlyList<string> PermissionWarnings { get; private init; } = [];

    /// <summary>Opens (creating when missing) the store at <paramref name="databasePath"/>, for writing.</summary>
    /// <exception cref="StoreUnreadableException">The store is not at this code's schema version; it is left untouched.</exception>
    public static async Task<SqliteEventStore> OpenAsync(string databasePath, CancellationToken cancellationToken = default)
    {
        var fullPath = Path.GetFullPath(databasePath);
        var directory = Path.GetDirectoryName(fullPath);
        CreatePrivately(directory, fullPath);
        var warnings = CheckPermissions(directory, fullPath);

        var writer = new SqliteConnection(ConnectionString(fullPath, SqliteOpenMode.ReadWriteCreate));
        try
        {
            await writer.OpenAsync(cancellationToken).ConfigureAwait(false);
            await ExecuteAsync(writer, "PRAGMA busy_timeout = 5000;", cancellationToken).ConfigureAwait(false);

            // Before any pragma or table is written: a store of another version is not this code's to change.
            var found = await ReadSchemaVersionAsync(writer, cancellationToken).ConfigureAwait(false);
            if (found is { } version && version != SchemaVersion)
            {
                throw StoreUnreadableException.Version(fullPath, version);
            }

            // A database with tables but no schema_version is someone else's: adding ours would damage it.
            using (var tables = writer.CreateCommand())
            {
                tables.CommandText = "SELECT count(*) FROM sqlite_master WHERE type = 'table';";
                if (found is null && Convert.ToInt64(await tables.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture) > 0)
                {
                    throw StoreUnreadableException.Version(fullPath, 0);
                }
            }

            await ExecuteAsync(writer, Pragmas, cancellationToken).ConfigureAwait(false);
            await MigrateAsync(writer, fullPath, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // A migration that failed half-way (a read-only or full store) leaves its connection inside BEGIN IMMEDIATE:
            // it must not go back to the pool, where the next open of this path would inherit the transaction.
            SqliteConnection.ClearPool(writer);
            await writer.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return new SqliteEventStore(fullPath, writer, ConnectionString(fullPath, SqliteOpenMode.ReadWrite)) { PermissionWarnings = warnings };
    }

    /// <summary>Creates the missing data directory 0700 and the missing database file 0600 (an empty file is an empty database).</summary>
    internal static void CreatePrivately(string? directory, string fullPath)
    {
        if (OperatingSystem.IsWindows())
        {
            if (!string.IsNullOrEmpty(directory))
            {
                Directory.CreateDirectory(directory);
            }

            return;
        }

        if (!string.IsNullOrEmpty(directory) && !Directory.Exists(directory))
        {
            Directory.CreateDirectory(directory, DirectoryMode);
        }

        if (!File.Exists(fullPath))
        {
            try
            {
                using var created = new FileStream(fullPath, new FileStreamOptions { Mode = System.IO.FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = FileMode });
            }
            catch (IOException) when (File.Exists(fullPath))
            {
                // Created by another process meanwhile: theirs stands.
            }
        }
    }

    internal static string[] CheckPermissions(string? directory, string fullPath)
    {
        if (OperatingSystem.IsWindows())
        {
            return [];
        }

        var warnings = new List<string>();
        if (!string.IsNullOrEmpty(directory) && (File.GetUnixFileMode(directory) & GroupOrOther) != 0)
        {
            warnings.Add(Loose("data directory", directory, File.GetUnixFileMode(directory), "700"));
        }

        if ((File.GetUnixFileMode(fullPath) & GroupOrOther) != 0)
        {
            warnings.Add(Loose("database", fullPath, File.GetUnixFileMode(fullPath), "600"));
        }

        return [.. warnings];
    }

    private static string Loose(string what, string path, UnixFileMode mode, string wanted) => string.Create(CultureInfo.InvariantCulture,
        $"the {what} {path} has mode {Convert.ToString((int)mode, 8).PadLeft(4, '0')}: others than its owner can {(what == "database" ? "read the event log" : "reach the event log")}" +
        $"{((mode & (UnixFileMode.GroupWrite | UnixFileMode.OtherWrite)) != 0 ? " and change it" : "")}; fix it with: chmod {wanted} '{path}'");

    /// <summary>
    /// Opens an existing store to read it from another process (the CLI). Throws
    /// <see cref="FileNotFoundException"/> when there is no store at that path.
    /// </summary>
    public static async Task<SqliteEventStore> OpenExistingAsync(string databasePath, CancellationToken cancellationToken = default)
    {
        var fullPath = Path.GetFullPath(databasePath);
        if (!File.Exists(fullPath))
        {
            throw new FileNotFoundException($"no Bulwark store at {fullPath}", fullPath);
        }

        // ReadWrite without Create: reading a WAL database needs its shared-memory file, which a
        // read-only connection may not be allowed to create. Nothing here writes.
        var connection = new SqliteConnection(ConnectionString(fullPath, SqliteOpenMode.ReadWrite));
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            await ExecuteAsync(connection, "PRAGMA busy_timeout = 5000;", cancellationToken).ConfigureAwait(false);
            var version = await ReadSchemaVersionAsync(connection, cancellationToken).ConfigureAwait(false) ?? 0;
            if (version != SchemaVersion)
            {
                throw StoreUnreadableException.Version(fullPath, version);
            }
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return new SqliteEventStore(fullPath, connection, ConnectionString(fullPath, SqliteOpenMode.ReadWrite));
    }

    public async ValueTask<long> AppendAsync(SafetyEvent safetyEvent, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(safetyEvent);
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            using var command = _writer.CreateCommand();
            command.CommandText = """
                INSERT INTO events (time_ticks, kind, subject, from_state, to_state, cause, actor, evidence)
                VALUES ($time, $kind, $subject, $from, $to, $cause, $actor, $evidence)
                RETURNING seq;
                """;
            command.Parameters.AddWithValue("$time", safetyEvent.Time.UtcTicks);
            command.Parameters.AddWithValue("$kind", safetyEvent.Kind);
            command.Parameters.AddWithValue("$subject", safetyEvent.Subject);
            command.Parameters.AddWithValue("$from", (object?)safetyEvent.From ?? DBNull.Value);
            command.Parameters.AddWithValue("$to", (object?)safetyEvent.To ?? DBNull.Value);
            command.Parameters.AddWithValue("$cause", (object?)safetyEvent.Cause ?? DBNull.Value);
            command.Parameters.AddWithValue("$actor", (object?)safetyEvent.Actor ?? DBNull.Value);
            command.Parameters.AddWithValue("$evidence", (object?)safetyEvent.Evidence ?? DBNull.Value);
            var sequence = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
            return Convert.ToInt64(sequence, CultureInfo.InvariantCulture);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public async ValueTask<IReadOnlyList<SafetyEvent>> ReadAsync(EventQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        ObjectDisposedException.ThrowIf(_disposed, this);
        var connection = new SqliteConnection(_readConnectionString);
        await using (connection.ConfigureAwait(false))
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            using var command = connection.CreateCommand();
            var where = new List<string>();
            if (query.Since is { } since)
            {
                where.Add("time_ticks >= $since");
                command.Parameters.AddWithValue("$since", since.UtcTicks);
            }

            if (query.AfterSequence is { } after)
            {
                where.Add("seq > $after");
                command.Parameters.AddWithValue("$after", after);
            }

            if (!string.IsNullOrEmpty(query.KindPrefix))
            {
                where.Add("substr(kind, 1, length($kind)) = $kind");
                command.Parameters.AddWithValue("$kind", query.KindPrefix);
            }

            if (!string.IsNullOrEmpty(query.Subject))
            {
                where.Add("subject = $subject");
                command.Parameters.AddWithValue("$subject", query.Subject);
            }

            var filter = where.Count == 0 ? "" : "WHERE " + string.Join(" AND ", where);
            command.CommandText = $"""
                SELECT seq, time_ticks, kind, subject, from_state, to_state, cause, actor, evidence FROM (
                  SELECT * FROM events {filter} ORDER BY seq {(query.FromOldest ? "ASC" : "DESC")} LIMIT $limit
                ) ORDER BY seq;
                """;
            command.Parameters.AddWithValue("$limit", Math.Max(0, query.Limit));

            var events = new List<SafetyEvent>();
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    events.Add(new SafetyEvent
                    {
                        Sequence = reader.GetInt64(0),
                        Time = new DateTimeOffset(reader.GetInt64(1), TimeSpan.Zero),
                        Kind = reader.GetString(2),
                        Subject = reader.GetString(3),
                        From = reader.IsDBNull(4) ? null : reader.GetString(4),
                        To = reader.IsDBNull(5) ? null : reader.GetString(5),
                        Cause = reader.IsDBNull(6) ? null : reader.GetString(6),
                        Actor = reader.IsDBNull(7) ? null : reader.GetString(7),
                        Evidence = reader.IsDBNull(8) ? null : reader.GetString(8),
                    });
                }
            }

            return events;
        }
    }

    public async ValueTask WriteStatusAsync(StatusReport report, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(report);
        var json = JsonSerializer.Serialize(report, BulwarkJson.Options);
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            using var command = _writer.CreateCommand();
            command.CommandText = """
                INSERT INTO status (id, updated_ticks, json) VALUES (1, $updated, $json)
                ON CONFLICT (id) DO UPDATE SET updated_ticks = excluded.updated_ticks, json = excluded.json;
                """;
            command.Parameters.AddWithValue("$updated", report.UpdatedAt.UtcTicks);
            command.Parameters.AddWithValue("$json", json);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public async ValueTask<StatusReport?> ReadStatusAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var connection = new SqliteConnection(_readConnectionString);
        await using (connection.ConfigureAwait(false))
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT json FROM status WHERE id = 1;";
            var json = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string;
            try
            {
                return json is null ? null : JsonSerializer.Deserialize<StatusReport>(json, BulwarkJson.Options);
            }
            catch (JsonException ex)
            {
                throw new StoreUnreadableException(
                    $"the status row in {DatabasePath} is malformed ({ex.Message.Split(" | ")[0]}); the events are not affected, and the next 'bulwark run' rewrites it", ex);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _writeLock.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            await _writer.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private const string Pragmas = """
        PRAGMA journal_mode = WAL;
        PRAGMA synchronous = FULL;
        PRAGMA busy_timeout = 5000;
        PRAGMA foreign_keys = ON;
        """;

    private static string ConnectionString(string path, SqliteOpenMode mode) => new SqliteConnectionStringBuilder
    {
        DataSource = path,
        Mode = mode,
        Cache = SqliteCacheMode.Private,
        Pooling = true,
        DefaultTimeout = 5,
    }.ToString();

    private static async Task MigrateAsync(SqliteConnection connection, string path, CancellationToken cancellationToken)
    {

        await ExecuteAsync(connection, """
            BEGIN IMMEDIATE;
            CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL);
            CREATE TABLE IF NOT EXISTS events (
              seq         INTEGER PRIMARY KEY AUTOINCREMENT,
              time_ticks  INTEGER NOT NULL,
              kind        TEXT NOT NULL,
              subject     TEXT NOT NULL,
              from_state  TEXT,
              to_state    TEXT,
              cause       TEXT,
              actor       TEXT,
              evidence    TEXT
            );
            CREATE INDEX IF NOT EXISTS events_time ON events (time_ticks);
            CREATE INDEX IF NOT EXISTS events_subject ON events (subject, seq);
            CREATE TRIGGER IF NOT EXISTS events_append_only_update BEFORE UPDATE ON events
              BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
            CREATE TRIGGER IF NOT EXISTS events_append_only_delete BEFORE DELETE ON events
              BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
            CREATE TABLE IF NOT EXISTS status (
              id            INTEGER PRIMARY KEY CHECK (id = 1),
              updated_ticks INTEGER NOT NULL,
              json          TEXT NOT NULL
            );
            INSERT INTO schema_version (version) SELECT 1 WHERE NOT EXISTS (SELECT 1 FROM schema_version);
            COMMIT;
            """, cancellationToken).ConfigureAwait(false);

        var version = await ReadSchemaVersionAsync(connection, cancellationToken).ConfigureAwait(false) ?? 0;
        if (version != SchemaVersion)
        {
            throw StoreUnreadableException.Version(path, version);
        }
    }

    /// <summary>The store's schema version: null when it has no schema_version table (a new, empty file), 0 when the table is empty.</summary>
    private static async Task<long?> ReadSchemaVersionAsync(SqliteConnection connection, CancellationToken cancellationToken)
    {
        using var exists = connection.CreateCommand();
        exists.CommandText = "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_version';";
        if (Convert.ToInt64(await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture) == 0)
        {
            return null;
        }

        using var command = connection.CreateCommand();
        command.CommandText = "SELECT version FROM schema_version LIMIT 1;";
        var value = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        return value is null or DBNull ? 0 : Convert.ToInt64(value, CultureInfo.InvariantCulture);
    }

    private static async Task ExecuteAsync(SqliteConnection connection, string sql, CancellationToken cancellationToken)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
