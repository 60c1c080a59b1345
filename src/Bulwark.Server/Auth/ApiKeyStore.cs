using System.Globalization;
using Bulwark.Storage;
using Microsoft.Data.Sqlite;

namespace Bulwark.Server.Auth;

/// <summary>
/// The API keys, hashed, in their own SQLite file beside the event log (<c>keys.db</c> in the data directory, created
/// 0600 in a 0700 directory): <c>bulwark keys</c> writes it while <c>bulwark run</c> reads it, so a key added or revoked
/// takes effect without a restart. Kept apart from the event log, whose schema and append-only rules are its own.
/// </summary>
internal sealed class ApiKeyStore
{
    public const string FileName = "keys.db";

    private const int SchemaVersion = 1;

    private readonly string _connectionString;
    private readonly TimeProvider _time;

    private ApiKeyStore(string path, TimeProvider time)
    {
        DatabasePath = path;
        _time = time;
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWrite,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
            DefaultTimeout = 5,
        }.ToString();
    }

    public string DatabasePath { get; }

    /// <summary>The key file of a data directory.</summary>
    public static string PathIn(string dataDirectory) => Path.GetFullPath(Path.Combine(dataDirectory, FileName));

    /// <summary>Opens (creating when missing, owner-only) the key file at <paramref name="path"/>.</summary>
    /// <exception cref="StoreUnreadableException">The file is not a key file of this version.</exception>
    public static async Task<ApiKeyStore> OpenAsync(string path, TimeProvider time, CancellationToken cancellationToken = default)
    {
        var fullPath = Path.GetFullPath(path);
        SqliteEventStore.CreatePrivately(Path.GetDirectoryName(fullPath), fullPath);
        var store = new ApiKeyStore(fullPath, time);
        var connection = await store.ConnectAsync(cancellationToken).ConfigureAwait(false);
        await using var disposeConnection = connection.ConfigureAwait(false);
        try
        {
            // One writer at a time: two processes creating the file at once create its table once.
            await ExecuteAsync(connection, "BEGIN IMMEDIATE;", cancellationToken).ConfigureAwait(false);
            var version = Convert.ToInt64(await ScalarAsync(connection, "PRAGMA user_version;", cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
            if (version == 0)
            {
                var tables = Convert.ToInt64(await ScalarAsync(connection, "SELECT count(*) FROM sqlite_master WHERE type = 'table';", cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
                if (tables > 0)
                {
                    throw new StoreUnreadableException($"{fullPath} is not a Bulwark key file (it has tables but no version): move it away, then retry");
                }

                await ExecuteAsync(connection, """
                    CREATE TABLE api_keys (
                        id TEXT PRIMARY KEY,
                        name TEXT NOT NULL,
                        role TEXT NOT NULL,
                        hash BLOB NOT NULL UNIQUE,
                        created_at TEXT NOT NULL,
                        created_by TEXT NOT NULL,
                        revoked_at TEXT,
                        revoked_by TEXT);
                    CREATE UNIQUE INDEX api_keys_valid_name ON api_keys(name) WHERE revoked_at IS NULL;
                    PRAGMA user_version = 1;
                    """, cancellationToken).ConfigureAwait(false);
            }
            else if (version != SchemaVersion)
            {
                throw new StoreUnreadableException(
                    $"the key file {fullPath} was written by a newer Bulwark (key file version {version}; this one knows version {SchemaVersion}): upgrade Bulwark");
            }

            await ExecuteAsync(connection, "COMMIT;", cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // Never back to the pool inside BEGIN IMMEDIATE: the next open would inherit the transaction.
            SqliteConnection.ClearPool(connection);
            throw;
        }

        return store;
    }

    /// <summary>Adds a key and returns it with its secret, which is never stored and cannot be shown again.</summary>
    /// <exception cref="InvalidOperationException">A valid key has that name already.</exception>
    public async Task<(ApiKey Key, string Secret)> AddAsync(string name, ApiRole role, string createdBy, CancellationToken cancellationToken = default)
    {
        var secret = ApiKeySecret.Generate();
        var key = new ApiKey(ApiKeySecret.NewId(), name, role, _time.GetUtcNow(), createdBy, null, null);
        var connection = await ConnectAsync(cancellationToken).ConfigureAwait(false);
        await using var disposeConnection = connection.ConfigureAwait(false);
        using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO api_keys (id, name, role, hash, created_at, created_by) VALUES ($id, $name, $role, $hash, $created_at, $created_by);
            """;
        command.Parameters.AddWithValue("$id", key.Id);
        command.Parameters.AddWithValue("$name", key.Name);
        command.Parameters.AddWithValue("$role", ApiRoles.Name(role));
        command.Parameters.AddWithValue("$hash", ApiKeySecret.Hash(secret));
        command.Parameters.AddWithValue("$created_at", key.CreatedAt.ToString("O", CultureInfo.InvariantCulture));
        command.Parameters.AddWithValue("$created_by", createdBy);
        try
        {
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode == 19) // SQLITE_CONSTRAINT: the valid name is taken
        {
            throw new InvalidOperationException($"a valid key named '{name}' exists already: revoke it first ('bulwark keys revoke {name}'), or choose another name", ex);
        }

        return (key, secret);
    }

    /// <summary>Every key, valid and revoked, oldest first.</summary>
    public async Task<IReadOnlyList<ApiKey>> ListAsync(CancellationToken cancellationToken = default)
    {
        var connection = await ConnectAsync(cancellationToken).ConfigureAwait(false);
        await using var disposeConnection = connection.ConfigureAwait(false);
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT id, name, role, created_at, created_by, revoked_at, revoked_by FROM api_keys ORDER BY created_at, id;";
        return await ReadAsync(command, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The key whose secret has this hash, revoked or not; null when none has.</summary>
    public async Task<ApiKey?> FindAsync(byte[] hash, CancellationToken cancellationToken = default)
    {
        var connection = await ConnectAsync(cancellationToken).ConfigureAwait(false);
        await using var disposeConnection = connection.ConfigureAwait(false);
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT id, name, role, created_at, created_by, revoked_at, revoked_by FROM api_keys WHERE hash = $hash;";
        command.Parameters.AddWithValue("$hash", hash);
        var found = await ReadAsync(command, cancellationToken).ConfigureAwait(false);
        return found.Count == 0 ? null : found[0];
    }

    /// <summary>Revokes the valid key with this id or name; returns it revoked, or null when no valid key matches.</summary>
    public async Task<ApiKey?> RevokeAsync(string nameOrId, string revokedBy, CancellationToken cancellationToken = default)
    {
        var at = _time.GetUtcNow();
        var connection = await ConnectAsync(cancellationToken).ConfigureAwait(false);
        await using var disposeConnection = connection.ConfigureAwait(false);
        using var command = connection.CreateCommand();
        command.CommandText = """
            UPDATE api_keys SET revoked_at = $at, revoked_by = $by
            WHERE revoked_at IS NULL AND (id = $key OR name = $key)
            RETURNING id, name, role, created_at, created_by, revoked_at, revoked_by;
            """;
        command.Parameters.AddWithValue("$at", at.ToString("O", CultureInfo.InvariantCulture));
        command.Parameters.AddWithValue("$by", revokedBy);
        command.Parameters.AddWithValue("$key", nameOrId);
        var revoked = await ReadAsync(command, cancellationToken).ConfigureAwait(false);
        return revoked.Count == 0 ? null : revoked[0];
    }

    private async Task<SqliteConnection> ConnectAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            await ExecuteAsync(connection, "PRAGMA busy_timeout = 5000;", cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private static async Task<IReadOnlyList<ApiKey>> ReadAsync(SqliteCommand command, CancellationToken cancellationToken)
    {
        var keys = new List<ApiKey>();
        using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            // A role this code does not know (a newer Bulwark's) grants nothing: it reads as no role at all.
            ApiRoles.TryParse(reader.GetString(2), out var role);
            keys.Add(new ApiKey(
                reader.GetString(0),
                reader.GetString(1),
                role,
                DateTimeOffset.Parse(reader.GetString(3), CultureInfo.InvariantCulture),
                reader.GetString(4),
                reader.IsDBNull(5) ? null : DateTimeOffset.Parse(reader.GetString(5), CultureInfo.InvariantCulture),
                reader.IsDBNull(6) ? null : reader.GetString(6)));
        }

        return keys;
    }

    private static async Task ExecuteAsync(SqliteConnection connection, string sql, CancellationToken cancellationToken)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task<object?> ScalarAsync(SqliteConnection connection, string sql, CancellationToken cancellationToken)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
    }
}
