using Bulwark.Tests.Servers;
using Bulwark.Trading.Journal;
using Npgsql;

namespace Bulwark.PostgreSql.Tests;

/// <summary>
/// A writer cut off in the middle of an append (found by the nemesis: a partitioned leader): its transaction holds the
/// fence row's lock, and the server cannot tell a black-holed client from a slow one. Every other writer, the new leader
/// first, would wait on that lock until TCP gives up (hours). The store's sessions are configured so that the server
/// ends a transaction left idle for a few seconds, which releases the lock.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgreSqlTradingJournalStorePartitionTests(PostgresServer server)
{
    [Fact]
    public async Task AWriterCutOffInsideItsTransaction_DoesNotHoldTheFenceFromTheNextLeader()
    {
        var direct = await server.CreateDatabaseAsync();
        await using var proxy = new TcpProxy(server.Port);
        await using var next = await PostgreSqlTradingJournalStore.OpenAsync(direct);

        // A session of the store as its appends open them, through the proxy, inside an append's transaction: the fence locked.
        var cutOff = new NpgsqlConnectionStringBuilder(PostgreSqlTradingJournalStore.SessionSettings(direct)) { Port = proxy.Port }.ConnectionString;
        await using var stuck = new NpgsqlConnection(cutOff);
        await stuck.OpenAsync();
        try
        {
            await using var transaction = await stuck.BeginTransactionAsync();
            await using (var lockFence = new NpgsqlCommand("SELECT highest FROM bulwark_trading_journal_fence WHERE id = 1 FOR UPDATE;", stuck, transaction))
            {
                await lockFence.ExecuteScalarAsync();
            }

            proxy.Cut();

            // The next leader's first row goes in within seconds (the store's own command timeout is 10 s: without the
            // server ending the stuck transaction, this append would wait on the lock until it times out).
            var result = await next.AppendAsync([new JournalRecord { Writer = "next", Token = 2, Kind = JournalRecordKind.TermStarted, Time = DateTimeOffset.UnixEpoch }])
                .AsTask().WaitAsync(TimeSpan.FromSeconds(9));
            Assert.Equal(1, result.Written);
        }
        finally
        {
            proxy.Heal(); // drops the cut connection: the stuck session's cleanup fails fast instead of waiting on the black hole
        }
    }
}
