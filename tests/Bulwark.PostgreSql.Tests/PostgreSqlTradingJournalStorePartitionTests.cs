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

    [Fact]
    public async Task AWriterStuckInsideItsBatch_HoldingTheFence_IsEndedByTheNextWriter()
    {
        // Cut off in the middle of its batch, a writer's session is neither idle (the server waits for the rest of the
        // batch, not for a command) nor gone (the black hole keeps the TCP connection alive): the server cannot end it.
        // Here a session of the store holds the fence inside a statement that runs a minute.
        var direct = await server.CreateDatabaseAsync();
        await using var next = await PostgreSqlTradingJournalStore.OpenAsync(direct);
        await using var stuck = new NpgsqlConnection(PostgreSqlTradingJournalStore.SessionSettings(direct));
        await stuck.OpenAsync();
        await using var transaction = await stuck.BeginTransactionAsync();
        await using (var lockFence = new NpgsqlCommand("SELECT highest FROM bulwark_trading_journal_fence WHERE id = 1 FOR UPDATE;", stuck, transaction))
        {
            await lockFence.ExecuteScalarAsync();
        }

        using var sleeping = new NpgsqlCommand("SELECT pg_sleep(60);", stuck, transaction) { CommandTimeout = 120 };
        var holding = sleeping.ExecuteNonQueryAsync();

        // The next leader's writer retries as the journal does; within seconds it ends the stuck session and writes.
        JournalAppendResult? result = null;
        await Eventually.WaitUntilAsync(async () =>
        {
            try
            {
                result = await next.AppendAsync([new JournalRecord { Writer = "next", Token = 2, Kind = JournalRecordKind.TermStarted, Time = DateTimeOffset.UnixEpoch }]);
                return true;
            }
            catch (NpgsqlException)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(15), "the next writer's append");
        Assert.Equal(1, result!.Written);
        await Assert.ThrowsAnyAsync<Exception>(() => holding); // its session was ended
    }
}
