using Bulwark.Tests.Servers;
using Bulwark.Trading.Journal;
using Npgsql;

namespace Bulwark.PostgreSql.Tests;

[Collection(PostgresCollection.Name)]
public sealed class PostgreSqlTradingJournalStoreTests(PostgresServer server) : TradingJournalStoreContract
{
    private string _connectionString = "";
    private TcpProxy? _proxy;

    protected override int RaceAppends => 100;

    public override async Task InitializeAsync()
    {
        var direct = await server.CreateDatabaseAsync();
        _proxy = new TcpProxy(server.Port);

        // Through a proxy the test can cut (a black hole: requests hang), with short timeouts so a cut fails within seconds.
        _connectionString = new NpgsqlConnectionStringBuilder(direct) { Port = _proxy.Port, Timeout = 2, CommandTimeout = 2, CancellationTimeout = 500 }.ConnectionString;
    }

    public override async Task DisposeAsync()
    {
        if (_proxy is not null)
        {
            await _proxy.DisposeAsync();
        }
    }

    protected override async Task<ITradingJournalStore> OpenAsync() => await PostgreSqlTradingJournalStore.OpenAsync(_connectionString);

    protected override Task BreakAsync()
    {
        _proxy!.Cut();
        return Task.CompletedTask;
    }

    protected override Task HealAsync()
    {
        _proxy!.Heal();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task OpeningTheStore_WhileAnAppendIsInProgress_NeitherWaitsForItNorDeadlocks()
    {
        // A restarted leader opens the store while the running one appends. Its open used to run the DDL again, whose
        // DROP TRIGGER needs the journal table to itself: it waited on the append, past the 2 s lock timeout, or (the
        // append's insert arriving after the open's lock) PostgreSQL detected a deadlock and ended one of them (CI).
        var direct = await CreateStoreDatabaseAsync();

        // An append in progress, as the store's own transaction takes its locks: the fence row, then a journal row.
        await using var appending = new NpgsqlConnection(direct);
        await appending.OpenAsync();
        await using var transaction = await BeginHoldingTheFenceAsync(appending);

        await InsertFirstRowAsync(appending, transaction);

        await using (var opened = await PostgreSqlTradingJournalStore.OpenAsync(direct).WaitAsync(TimeSpan.FromSeconds(30)))
        {
            await transaction.CommitAsync();
            Assert.Equal([1L], (await opened.ReadAsync(0, 10)).Select(r => r.Sequence));
        }
    }

    [Fact]
    public async Task AMigration_WhileAnAppendIsInProgress_WaitsForIt_AndDoesNotDeadlock()
    {
        // A database at another DDL (an upgrade) is migrated on open, which does take the journal's tables to itself.
        var direct = await CreateStoreDatabaseAsync();

        await using var appending = new NpgsqlConnection(direct);
        await appending.OpenAsync();
        await using (var older = new NpgsqlCommand("UPDATE bulwark_schema SET digest = 'an older schema';", appending))
        {
            await older.ExecuteNonQueryAsync();
        }

        await using var transaction = await BeginHoldingTheFenceAsync(appending);

        // The migration (without the store's 2 s lock timeout, so the test waits on locks, not on time) blocks on the fence.
        var migrating = PostgreSqlSchema.OpenAsync(direct, CancellationToken.None);
        await Eventually.WaitUntilAsync(async () =>
        {
            await using var waiting = new NpgsqlCommand("SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid WHERE NOT l.granted AND a.datname = current_database();", appending, transaction);
            return (long)(await waiting.ExecuteScalarAsync())! > 0 || migrating.IsCompleted;
        }, TimeSpan.FromSeconds(30), "the migration waiting on the fence");

        // Then the append's insert: had the migration taken the journal table first, PostgreSQL would end one of the two
        // with 40P01 (its deadlock timeout is 1 s).
        await InsertFirstRowAsync(appending, transaction);

        await transaction.CommitAsync();
        await using (await migrating.WaitAsync(TimeSpan.FromSeconds(30)))
        {
        }

        await using var digest = new NpgsqlCommand("SELECT digest FROM bulwark_schema;", appending);
        Assert.NotEqual("an older schema", (string)(await digest.ExecuteScalarAsync())!);
    }

    /// <summary>A new database with the store's tables, as a running installation has them.</summary>
    private async Task<string> CreateStoreDatabaseAsync()
    {
        var direct = await server.CreateDatabaseAsync();
        await using (await PostgreSqlTradingJournalStore.OpenAsync(direct))
        {
        }

        return direct;
    }

    /// <summary>The first lock an append takes: a transaction holding the fence row.</summary>
    private static async Task<NpgsqlTransaction> BeginHoldingTheFenceAsync(NpgsqlConnection connection)
    {
        var transaction = await connection.BeginTransactionAsync();
        await using var lockFence = new NpgsqlCommand("SELECT highest FROM bulwark_trading_journal_fence WHERE id = 1 FOR UPDATE;", connection, transaction);
        await lockFence.ExecuteScalarAsync();
        return transaction;
    }

    /// <summary>The second: a journal row (sequence 1).</summary>
    private static async Task InsertFirstRowAsync(NpgsqlConnection connection, NpgsqlTransaction transaction)
    {
        await using var insert = new NpgsqlCommand(
            "INSERT INTO bulwark_trading_journal (seq, token, writer, kind, time_ticks, order_id, exec_id, side, quantity, price, state) VALUES (1, 1, 'running', 0, 0, 0, 0, 0, 0, 0, 0);",
            connection, transaction);
        await insert.ExecuteNonQueryAsync();
    }

    [Fact]
    public async Task TheJournalAndItsFence_AreAppendOnly_InTheServer()
    {
        await using var store = await OpenAsync();
        await store.AppendAsync([Row(3, "a", 1)]);
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        foreach (var sql in new[]
        {
            "UPDATE bulwark_trading_journal SET quantity = 5",
            "DELETE FROM bulwark_trading_journal",
            "TRUNCATE bulwark_trading_journal",
            "UPDATE bulwark_trading_journal_fence SET highest = 1",
            "DELETE FROM bulwark_trading_journal_fence",
        })
        {
            await using var command = new NpgsqlCommand(sql, connection);
            await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteNonQueryAsync());
        }

        Assert.Equal([1L], (await store.ReadAsync(0, 10)).Select(r => r.OrderId));
        Assert.Equal([0], (await store.AppendAsync([Row(2, "a", 2)])).Refused);
    }
}
