using Bulwark.Trading.Journal;
using Microsoft.Data.Sqlite;

namespace Bulwark.Tests.Trading.Journal;

public sealed class SqliteTradingJournalStoreTests : TradingJournalStoreContract, IDisposable
{
    private readonly TempDirectory _dir = new();

    private string DbPath => _dir.File("nested/trading-journal.db");

    public void Dispose() => _dir.Dispose();

    protected override async Task<ITradingJournalStore> OpenAsync() => await SqliteTradingJournalStore.OpenAsync(DbPath);

    // Damage the file under the open stores: the journal's table is gone (renamed away) until healed.
    protected override Task BreakAsync() => ExecuteAsync("ALTER TABLE trading_journal RENAME TO trading_journal_damaged;");

    protected override Task HealAsync() => ExecuteAsync("ALTER TABLE trading_journal_damaged RENAME TO trading_journal;");

    private async Task ExecuteAsync(string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={DbPath};Pooling=False;Default Timeout=10");
        await connection.OpenAsync();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }
}
