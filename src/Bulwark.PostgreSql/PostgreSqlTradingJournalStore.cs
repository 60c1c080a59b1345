using Bulwark.Trading;
using Bulwark.Trading.Journal;
using Npgsql;
using NpgsqlTypes;

namespace Bulwark.PostgreSql;

/// <summary>
/// The trading journal in PostgreSQL, shared by the machines of one installation. Append-only (triggers refuse UPDATE,
/// DELETE and TRUNCATE) and fenced by the store itself: every append is one transaction that first locks the single
/// fence row (<c>SELECT ... FOR UPDATE</c>), then inserts the batch with a conditional insert that keeps a row only when
/// its token is at least the highest token in the fence (and every earlier token of the same batch), then moves the
/// fence up. Appends are serialised by that row lock, so a row of a term older than the newest one is refused by
/// PostgreSQL whichever process sends it, and the sequence (the fence's last number + 1) is gapless and in commit order.
/// A batch is one round trip for its three statements plus the commit; the commit returning is what makes it durable.
/// </summary>
public sealed class PostgreSqlTradingJournalStore : ITradingJournalStore
{
    private const string Lock = "SELECT highest, last_seq FROM bulwark_trading_journal_fence WHERE id = 1 FOR UPDATE;";

    // The fence: row i of a batch is kept when token_i >= greatest(fence, tokens of rows 1..i-1). A refused row is below
    // that running maximum, so the maximum over every earlier row equals the maximum over the kept ones.
    private const string Insert = """
        WITH input AS MATERIALIZED (
          SELECT t.*, max(t.token) OVER (ORDER BY t.ord ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS before
          FROM unnest($1::bigint[], $2::text[], $3::integer[], $4::bigint[], $5::bigint[], $6::bigint[], $7::text[], $8::text[],
                      $9::text[], $10::integer[], $11::bigint[], $12::float8[], $13::text[], $14::text[], $15::integer[], $16::text[], $17::text[])
            WITH ORDINALITY AS t(token, writer, kind, time_ticks, order_id, exec_id, account, strategy, symbol, side, quantity, price, scope, source, state, actor, cause, ord)
        ),
        accepted AS MATERIALIZED (
          SELECT input.*, f.last_seq + row_number() OVER (ORDER BY input.ord) AS seq
          FROM input CROSS JOIN bulwark_trading_journal_fence f
          WHERE f.id = 1 AND input.token >= greatest(f.highest, coalesce(input.before, f.highest))
        ),
        written AS (
          INSERT INTO bulwark_trading_journal (seq, token, writer, kind, time_ticks, order_id, exec_id, account, strategy, symbol, side, quantity, price, scope, source, state, actor, cause)
          SELECT seq, token, writer, kind, time_ticks, order_id, exec_id, account, strategy, symbol, side, quantity, price, scope, source, state, actor, cause
          FROM accepted ORDER BY seq
          RETURNING seq
        )
        SELECT a.ord, a.seq FROM accepted a JOIN written w ON w.seq = a.seq ORDER BY a.ord;
        """;

    private const string MoveFence = """
        UPDATE bulwark_trading_journal_fence AS f SET
          highest = greatest(f.highest, coalesce((SELECT max(j.token) FROM bulwark_trading_journal j WHERE j.seq > f.last_seq), f.highest)),
          last_seq = coalesce((SELECT max(j.seq) FROM bulwark_trading_journal j WHERE j.seq > f.last_seq), f.last_seq)
        WHERE f.id = 1
        RETURNING highest;
        """;

    private readonly NpgsqlDataSource _dataSource;

    private PostgreSqlTradingJournalStore(NpgsqlDataSource dataSource) => _dataSource = dataSource;

    /// <summary>
    /// Connects with <paramref name="connectionString"/> and creates the tables when missing. Its connect and command
    /// timeouts are capped (5 s, 10 s): an unreachable server must hold the gate within seconds, not after the driver's 30 s.
    /// </summary>
    public static async Task<PostgreSqlTradingJournalStore> OpenAsync(string connectionString, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        var dataSource = await PostgreSqlSchema.OpenAsync(SessionSettings(connectionString), cancellationToken).ConfigureAwait(false);
        return new PostgreSqlTradingJournalStore(dataSource);
    }

    /// <summary>
    /// The connection string the store's sessions use: <paramref name="connectionString"/> with its timeouts capped, its
    /// own application name, and two limits for a writer cut off inside an append (a partitioned leader), which would
    /// otherwise hold the fence row's lock, and so every other writer, until TCP gives up: the server ends a session left
    /// idle inside a transaction for 2 s, and a lock waited for more than 2 s fails the wait, after which the waiter ends
    /// the stuck session itself (<see cref="EndStuckWritersAsync"/>; one cut off mid-batch is not idle to the server).
    /// </summary>
    internal static string SessionSettings(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        builder.Timeout = Math.Min(builder.Timeout, 5);
        builder.CommandTimeout = Math.Min(builder.CommandTimeout, 10);
        builder.ApplicationName = ApplicationName;
        builder.Options = ($"-c idle_in_transaction_session_timeout=2000 -c lock_timeout={LockTimeoutMilliseconds} " + builder.Options).Trim();
        return builder.ConnectionString;
    }

    private const string ApplicationName = "bulwark-journal";
    private const int LockTimeoutMilliseconds = 2000;

    /// <inheritdoc />
    public async ValueTask<JournalAppendResult> AppendAsync(IReadOnlyList<JournalRecord> records, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(records);
        var n = records.Count;
        var token = new long[n];
        var writer = new string[n];
        var kind = new int[n];
        var time = new long[n];
        var order = new long[n];
        var exec = new long[n];
        var account = new string?[n];
        var strategy = new string?[n];
        var symbol = new string?[n];
        var side = new int[n];
        var quantity = new long[n];
        var price = new double[n];
        var scope = new string?[n];
        var source = new string?[n];
        var state = new int[n];
        var actor = new string?[n];
        var cause = new string?[n];
        for (var i = 0; i < n; i++)
        {
            var r = records[i];
            token[i] = r.Token;
            writer[i] = r.Writer;
            kind[i] = (int)r.Kind;
            time[i] = r.Time.UtcTicks;
            order[i] = r.OrderId;
            exec[i] = r.ExecutionId;
            account[i] = r.Account;
            strategy[i] = r.Strategy;
            symbol[i] = r.Symbol;
            side[i] = (int)r.Side;
            quantity[i] = r.Quantity;
            price[i] = r.Price;
            scope[i] = r.Scope;
            source[i] = r.Source;
            state[i] = r.State;
            actor[i] = r.Actor;
            cause[i] = r.Cause;
        }

        try
        {
            return await AppendAsync(n, token, writer, kind, time, order, exec, account, strategy, symbol, side, quantity, price, scope, source, state, actor, cause, cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.LockNotAvailable)
        {
            // The fence stayed locked past lock_timeout: a writer is stuck inside its append (cut off mid-batch, which
            // the server cannot tell from slow). End it, so this append's retry, and the next leader, can go on.
            await EndStuckWritersAsync(cancellationToken).ConfigureAwait(false);
            throw;
        }
    }

    private async Task<JournalAppendResult> AppendAsync(
        int n, long[] token, string[] writer, int[] kind, long[] time, long[] order, long[] exec, string?[] account, string?[] strategy, string?[] symbol,
        int[] side, long[] quantity, double[] price, string?[] scope, string?[] source, int[] state, string?[] actor, string?[] cause, CancellationToken cancellationToken)
    {
        var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                var batch = new NpgsqlBatch(connection, transaction);
                await using (batch.ConfigureAwait(false))
                {
                    batch.BatchCommands.Add(new NpgsqlBatchCommand(Lock));
                    var insert = new NpgsqlBatchCommand(Insert);
                    insert.Parameters.Add(new NpgsqlParameter<long[]> { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint, TypedValue = token });
                    insert.Parameters.Add(TextArray(writer));
                    insert.Parameters.Add(IntegerArray(kind));
                    insert.Parameters.Add(BigintArray(time));
                    insert.Parameters.Add(BigintArray(order));
                    insert.Parameters.Add(BigintArray(exec));
                    insert.Parameters.Add(TextArray(account));
                    insert.Parameters.Add(TextArray(strategy));
                    insert.Parameters.Add(TextArray(symbol));
                    insert.Parameters.Add(IntegerArray(side));
                    insert.Parameters.Add(BigintArray(quantity));
                    insert.Parameters.Add(new NpgsqlParameter<double[]> { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Double, TypedValue = price });
                    insert.Parameters.Add(TextArray(scope));
                    insert.Parameters.Add(TextArray(source));
                    insert.Parameters.Add(IntegerArray(state));
                    insert.Parameters.Add(TextArray(actor));
                    insert.Parameters.Add(TextArray(cause));
                    batch.BatchCommands.Add(insert);
                    batch.BatchCommands.Add(new NpgsqlBatchCommand(MoveFence));

                    var kept = new bool[n];
                    long last = 0;
                    long highest;
                    var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                    await using (reader.ConfigureAwait(false))
                    {
                        // The fence row, locked for the rest of the transaction.
                        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                        {
                            throw new InvalidDataException("the trading journal's fence row is missing");
                        }

                        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
                        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                        {
                            kept[reader.GetInt64(0) - 1] = true;
                            last = reader.GetInt64(1);
                        }

                        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
                        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                        {
                            throw new InvalidDataException("the trading journal's fence row is missing");
                        }

                        highest = reader.GetInt64(0);
                    }

                    await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                    var refused = new List<int>();
                    for (var i = 0; i < n; i++)
                    {
                        if (!kept[i])
                        {
                            refused.Add(i);
                        }
                    }

                    return new JournalAppendResult(n - refused.Count, refused, highest, last);
                }
            }
        }
    }

    /// <summary>
    /// Ends every session of the journal (by its application name) whose writing transaction has been open longer than
    /// the lock timeout: an append takes milliseconds, so such a session is stuck. What it was writing is rolled back
    /// (never durable, so never acknowledged); its writer retries, and is refused if a newer term wrote meanwhile.
    /// </summary>
    private async Task EndStuckWritersAsync(CancellationToken cancellationToken)
    {
        using var command = _dataSource.CreateCommand($"""
            SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
            WHERE datname = current_database() AND application_name = '{ApplicationName}' AND pid <> pg_backend_pid()
              AND backend_xid IS NOT NULL AND xact_start < now() - interval '{LockTimeoutMilliseconds} milliseconds';
            """);
        await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<JournalRecord>> ReadAsync(long afterSequence, int limit, CancellationToken cancellationToken = default)
    {
        using var command = _dataSource.CreateCommand($"""
            SELECT {JournalRows.Columns}
            FROM bulwark_trading_journal WHERE seq > $1 ORDER BY seq LIMIT $2;
            """);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = afterSequence });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = Math.Max(0, limit) });
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

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();


    private static NpgsqlParameter<string?[]> TextArray(string?[] values) => new() { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text, TypedValue = values };

    private static NpgsqlParameter<long[]> BigintArray(long[] values) => new() { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint, TypedValue = values };

    private static NpgsqlParameter<int[]> IntegerArray(int[] values) => new() { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Integer, TypedValue = values };
}
