using Bulwark.Storage;
using Bulwark.Tests.TestSupport;
using Microsoft.Data.Sqlite;

namespace Bulwark.Tests.Storage;

public sealed class SqliteEventStoreTests : EventStoreContract, IDisposable
{
    private readonly TempDirectory _dir = new();

    private string DbPath => _dir.File("nested/bulwark.db");

    protected override async Task<IEventStore> OpenAsync() => await SqliteEventStore.OpenAsync(DbPath);

    protected override async Task<IReadOnlyList<string?>> TryRewriteDirectlyAsync()
    {
        await using var connection = new SqliteConnection($"Data Source={DbPath}");
        await connection.OpenAsync();
        var errors = new List<string?>();
        foreach (var sql in new[] { "UPDATE events SET cause = 'rewritten'", "DELETE FROM events" })
        {
            using var command = connection.CreateCommand();
            command.CommandText = sql;
            try
            {
                await command.ExecuteNonQueryAsync();
                errors.Add(null);
            }
            catch (SqliteException error)
            {
                errors.Add(error.Message);
            }
        }

        return errors;
    }

    [Fact]
    public async Task AnotherConnection_ReadsWhileTheWriterIsOpen()
    {
        await using var writer = await SqliteEventStore.OpenAsync(DbPath);
        await writer.AppendAsync(Event(0));
        await writer.WriteStatusAsync(new StatusReport { UpdatedAt = T0, System = SafetyState.Healthy, Components = [] });

        await using var reader = await SqliteEventStore.OpenExistingAsync(DbPath);
        Assert.Single(await reader.ReadAsync(new EventQuery()));
        await writer.AppendAsync(Event(1));
        Assert.Equal(2, (await reader.ReadAsync(new EventQuery())).Count);
        var status = await reader.ReadStatusAsync();
        Assert.Equal(SafetyState.Healthy, status!.System);
    }

    [Fact]
    public async Task OpenExisting_WithoutAStore_SaysWhereItLooked()
    {
        var error = await Assert.ThrowsAsync<FileNotFoundException>(() => SqliteEventStore.OpenExistingAsync(_dir.File("missing.db")));
        Assert.Contains("missing.db", error.Message);
        Assert.False(File.Exists(_dir.File("missing.db")));
    }

    [Fact]
    public async Task Status_IsReplacedNotAppended()
    {
        await using var store = await SqliteEventStore.OpenAsync(DbPath);
        Assert.Null(await store.ReadStatusAsync());
        await store.WriteStatusAsync(new StatusReport { UpdatedAt = T0, System = SafetyState.Unknown, Components = [] });
        await store.WriteStatusAsync(new StatusReport { UpdatedAt = T0.AddSeconds(1), System = SafetyState.Failed, Components = [] });
        var status = await store.ReadStatusAsync();
        Assert.Equal(SafetyState.Failed, status!.System);
        Assert.Equal(T0.AddSeconds(1), status.UpdatedAt);
    }

    public void Dispose() => _dir.Dispose();
}
