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
