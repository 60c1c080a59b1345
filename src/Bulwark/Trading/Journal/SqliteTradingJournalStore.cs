using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Bulwark.Trading.Journal;

/// <summary>
/// The trading journal in one SQLite file (the embedded default), with the event store's conventions: WAL,
/// <c>synchronous=FULL</c> (an append is on disk, the WAL fsynced, when it returns), triggers that make the table
/// append-only. Each append is one <c>BEGIN IMMEDIATE</c> transaction: every row is inserted only when its token is at
/// least the newest token in the file's fence row, and the fence moves up in the same transaction, so a row of a term
/// older than the newest is refused by the store itself, whichever process writes it.
/// </summary>
public sealed class SqliteTradingJournalStore : ITradingJournalStore
{
    private const int SchemaVersion = 1;
    private readonly SqliteConnection _writer;
    private readonly string _readConnectionString;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private bool _disposed;

    private SqliteTradingJournalStore(string path, SqliteConnection writer)
    {
        DatabasePath = path;
        _writer = writer;
        _readConnectionString = ConnectionString(path);
    }

    /// <summary>The file.</summary>
    public string DatabasePath { get; }

    /// <summary>Opens (creating when missing) the journal at <paramref name="databasePath"/>.</summary>
    public static Task<SqliteTradingJournalStore> OpenAsync(string databasePath, CancellationToken cancellationToken = default) =>
        OpenAsync(databasePath, synchronousFull: true, cancellationToken);

    /// <summary>With <paramref name="synchronousFull"/> false, <c>synchronous=NORMAL</c>: the WAL is not fsynced at commit, only at checkpoints (for measuring the fsync cost only; a commit is then not durable).</summary>
    internal static async Task<SqliteTradingJournalStore> OpenAsync(string databasePath, bool synchronousFull, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(databasePath);
        var fullPath = Path.GetFullPath(databasePath);
        var directory = Path.GetDirectoryName(fullPath);
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        var writer = new SqliteConnection(ConnectionString(fullPath));
        try
        {
            await writer.OpenAsync(cancellationToken).ConfigureAwait(false);
            await ExecuteAsync(writer, $"""
                PRAGMA journal_mode = WAL;
                PRAGMA synchronous = {(synchronousFull ? "FULL" : "NORMAL")};
                PRAGMA busy_timeout = 5000;
                """, cancellationToken).ConfigureAwait(false);
            await ExecuteAsync(writer, """
                BEGIN IMMEDIATE;
                CREATE TABLE IF NOT EXISTS journal_schema (version INTEGER NOT NULL);
                CREATE TABLE IF NOT EXISTS journal_fence (id INTEGER PRIMARY KEY CHECK (id = 1), highest INTEGER NOT NULL);
                CREATE TABLE IF NOT EXISTS trading_journal (
                  seq         INTEGER PRIMARY KEY AUTOINCREMENT,
                  token       INTEGER NOT NULL,
                  writer      TEXT NOT NULL,
                  kind        INTEGER NOT NULL,
                  time_ticks  INTEGER NOT NULL,
                  order_id    INTEGER NOT NULL,
                  exec_id     INTEGER NOT NULL,
                  account     TEXT,
                  strategy    TEXT,
                  symbol      TEXT,
                  side        INTEGER NOT NULL,
                  quantity    INTEGER NOT NULL,
                  price       REAL NOT NULL,
                  scope       TEXT,
                  source      TEXT,
                  state       INTEGER NOT NULL,
                  actor       TEXT,
                  cause       TEXT
                );
                CREATE TRIGGER IF NOT EXISTS trading_journal_no_update BEFORE UPDATE ON trading_journal
                  BEGIN SELECT RAISE(ABORT, 'the trading journal is append-only'); END;
                CREATE TRIGGER IF NOT EXISTS trading_journal_no_delete BEFORE DELETE ON trading_journal
                  BEGIN SELECT RAISE(ABORT, 'the trading journal is append-only'); END;
                INSERT INTO journal_fence (id, highest) SELECT 1, 0 WHERE NOT EXISTS (SELECT 1 FROM journal_fence);
                INSERT INTO journal_schema (version) SELECT 1 WHERE NOT EXISTS (SELECT 1 FROM journal_schema);
                COMMIT;
                """, cancellationToken).ConfigureAwait(false);
            using var version = writer.CreateCommand();
            version.CommandText = "SELECT version FROM journal_schema LIMIT 1;";
            var found = Convert.ToInt64(await version.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
            if (found != SchemaVersion)
            {
                throw new InvalidDataException($"{fullPath}: trading journal schema version {found}, this Bulwark reads version {SchemaVersion}");
            }
        }
        catch
        {
            await writer.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return new SqliteTradingJournalStore(fullPath, writer);
    }

    /// <inheritdoc />
    public async ValueTask<JournalAppendResult> AppendAsync(IReadOnlyList<JournalRecord> records, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(records);
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);

            // BEGIN IMMEDIATE takes the file's write lock first, so no other process's append can come between the fence
            // read by each insert and the fence's move.
            var transaction = _writer.BeginTransaction(deferred: false);
            await using (transaction.ConfigureAwait(false))
            {
                using var insert = _writer.CreateCommand();
                insert.Transaction = transaction;
                insert.CommandText = """
                    INSERT INTO trading_journal (token, writer, kind, time_ticks, order_id, exec_id, account, strategy, symbol, side, quantity, price, scope, source, state, actor, cause)
                    SELECT $token, $writer, $kind, $time, $order, $exec, $account, $strategy, $symbol, $side, $quantity, $price, $scope, $source, $state, $actor, $cause
                    WHERE $token >= (SELECT highest FROM journal_fence WHERE id = 1)
                    RETURNING seq;
                    """;
                var p = new Dictionary<string, SqliteParameter>(StringComparer.Ordinal);
                foreach (var name in (string[])["$token", "$writer", "$kind", "$time", "$order", "$exec", "$account", "$strategy", "$symbol", "$side", "$quantity", "$price", "$scope", "$source", "$state", "$actor", "$cause"])
                {
                    p[name] = insert.Parameters.Add(new SqliteParameter { ParameterName = name });
                }

                using var fence = _writer.CreateCommand();
                fence.Transaction = transaction;
                fence.CommandText = "UPDATE journal_fence SET highest = $token WHERE id = 1 AND highest < $token;";
                var fenceToken = fence.Parameters.Add("$token", SqliteType.Integer);

                // The fence as this transaction holds it (no other writer can move it before the commit): the UPDATE
                // below runs only for a row that raises it. Each INSERT still checks the fence row itself.
                using var highest = _writer.CreateCommand();
                highest.Transaction = transaction;
                highest.CommandText = "SELECT highest FROM journal_fence WHERE id = 1;";
                var top = Convert.ToInt64(await highest.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);

                var refused = new List<int>();
                long last = 0;
                for (var i = 0; i < records.Count; i++)
                {
                    var r = records[i];
                    p["$token"].Value = r.Token;
                    p["$writer"].Value = r.Writer;
                    p["$kind"].Value = (int)r.Kind;
                    p["$time"].Value = r.Time.UtcTicks;
                    p["$order"].Value = r.OrderId;
                    p["$exec"].Value = r.ExecutionId;
                    p["$account"].Value = (object?)r.Account ?? DBNull.Value;
                    p["$strategy"].Value = (object?)r.Strategy ?? DBNull.Value;
                    p["$symbol"].Value = (object?)r.Symbol ?? DBNull.Value;
                    p["$side"].Value = (int)r.Side;
                    p["$quantity"].Value = r.Quantity;
                    p["$price"].Value = r.Price;
                    p["$scope"].Value = (object?)r.Scope ?? DBNull.Value;
                    p["$source"].Value = (object?)r.Source ?? DBNull.Value;
                    p["$state"].Value = r.State;
                    p["$actor"].Value = (object?)r.Actor ?? DBNull.Value;
                    p["$cause"].Value = (object?)r.Cause ?? DBNull.Value;
                    var seq = await insert.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
                    if (seq is null)
                    {
                        refused.Add(i);
                        continue;
                    }

                    last = Convert.ToInt64(seq, CultureInfo.InvariantCulture);
                    if (r.Token > top)
                    {
                        fenceToken.Value = r.Token;
                        await fence.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                        top = r.Token;
                    }
                }

                top = Convert.ToInt64(await highest.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                return new JournalAppendResult(records.Count - refused.Count, refused, top, last);
            }
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<JournalRecord>> ReadAsync(long afterSequence, int limit, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var connection = new SqliteConnection(_readConnectionString);
        await using (connection.ConfigureAwait(false))
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            using var command = connection.CreateCommand();
            command.CommandText = $"""
                SELECT {JournalRows.Columns}
                FROM trading_journal WHERE seq > $after ORDER BY seq LIMIT $limit;
                """;
            command.Parameters.AddWithValue("$after", afterSequence);
            command.Parameters.AddWithValue("$limit", Math.Max(0, limit));
            var rows = new List<JournalRecord>();
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    rows.Add(JournalRows.Read(reader));
                }
            }

            return rows;
        }
    }

    /// <inheritdoc />
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


    private static string ConnectionString(string path) => new SqliteConnectionStringBuilder
    {
        DataSource = path,
        Mode = SqliteOpenMode.ReadWriteCreate,
        Cache = SqliteCacheMode.Private,
        Pooling = true,
        DefaultTimeout = 5,
    }.ToString();

    private static async Task ExecuteAsync(SqliteConnection connection, string sql, CancellationToken cancellationToken)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
