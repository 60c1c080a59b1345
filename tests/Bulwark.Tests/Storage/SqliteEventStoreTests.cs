using Bulwark.Storage;
using Bulwark.Tests.TestSupport;
using Microsoft.Data.Sqlite;

namespace Bulwark.Tests.Storage;

public sealed class SqliteEventStoreTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 25, 9, 0, 0, TimeSpan.Zero);
    private readonly TempDirectory _dir = new();

    private string DbPath => _dir.File("nested/bulwark.db");

    private static SafetyEvent Event(int minute, string subject = "web", string kind = EventKinds.ComponentState) => new()
    {
        Time = T0.AddMinutes(minute),
        Kind = kind,
        Subject = subject,
        From = "Healthy",
        To = "Failed",
        Cause = $"cause {minute}",
        Actor = "alice",
        Evidence = """{"checks":[]}""",
    };

    [Fact]
    public async Task Append_ReturnsGrowingSequences_AndReadReturnsEveryField()
    {
        await using var store = await SqliteEventStore.OpenAsync(DbPath);
        var first = await store.AppendAsync(Event(0));
        var second = await store.AppendAsync(Event(1));
        Assert.True(second > first);

        var events = await store.ReadAsync(new EventQuery());
        Assert.Equal(2, events.Count);
        Assert.Equal(Event(1) with { Sequence = second }, events[1]);
        Assert.Equal(TimeSpan.Zero, events[1].Time.Offset);
    }

    [Fact]
    public async Task Events_SurviveClosingAndReopeningTheFile()
    {
        await using (var store = await SqliteEventStore.OpenAsync(DbPath))
        {
            await store.AppendAsync(Event(0));
            await store.AppendAsync(Event(1));
        }

        await using (var reopened = await SqliteEventStore.OpenAsync(DbPath))
        {
            var next = await reopened.AppendAsync(Event(2));
            Assert.Equal(3, next);
            Assert.Equal(["cause 0", "cause 1", "cause 2"], (await reopened.ReadAsync(new EventQuery())).Select(e => e.Cause));
        }
    }

    [Fact]
    public async Task Read_Filters_BySinceKindSubjectAndSequence_AndLimitKeepsTheNewest()
    {
        await using var store = await SqliteEventStore.OpenAsync(DbPath);
        await store.AppendAsync(Event(0, "web"));
        await store.AppendAsync(Event(1, "db"));
        await store.AppendAsync(Event(2, "system", EventKinds.SystemState));
        await store.AppendAsync(Event(3, "web"));

        Assert.Equal(["cause 2", "cause 3"], (await store.ReadAsync(new EventQuery { Since = T0.AddMinutes(2) })).Select(e => e.Cause));
        Assert.Equal(["cause 0", "cause 3"], (await store.ReadAsync(new EventQuery { Subject = "web" })).Select(e => e.Cause));
        Assert.Equal(["cause 2"], (await store.ReadAsync(new EventQuery { KindPrefix = "system." })).Select(e => e.Cause));
        Assert.Equal(["cause 3"], (await store.ReadAsync(new EventQuery { AfterSequence = 3 })).Select(e => e.Cause));
        Assert.Equal(["cause 2", "cause 3"], (await store.ReadAsync(new EventQuery { Limit = 2 })).Select(e => e.Cause));
        Assert.Equal(["cause 1", "cause 2"], (await store.ReadAsync(new EventQuery { AfterSequence = 1, Limit = 2, FromOldest = true })).Select(e => e.Cause));
    }

    [Fact]
    public async Task Events_CannotBeChangedOrDeleted()
    {
        await using var store = await SqliteEventStore.OpenAsync(DbPath);
        await store.AppendAsync(Event(0));

        await using var connection = new SqliteConnection($"Data Source={DbPath}");
        await connection.OpenAsync();
        foreach (var sql in new[] { "UPDATE events SET cause = 'rewritten'", "DELETE FROM events" })
        {
            using var command = connection.CreateCommand();
            command.CommandText = sql;
            var error = await Assert.ThrowsAsync<SqliteException>(() => command.ExecuteNonQueryAsync());
            Assert.Contains("append-only", error.Message);
        }

        Assert.Equal("cause 0", (await store.ReadAsync(new EventQuery())).Single().Cause);
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
