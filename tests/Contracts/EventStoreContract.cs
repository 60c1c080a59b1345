namespace Bulwark.Tests.Contracts;

/// <summary>
/// What every <see cref="IEventStore"/> must do, run against each implementation (SQLite, PostgreSQL): append-only,
/// one ordered sequence, every field kept, the same query filters.
/// </summary>
public abstract class EventStoreContract : IAsyncLifetime
{
    protected static readonly DateTimeOffset T0 = new(2026, 11, 25, 9, 0, 0, TimeSpan.Zero);

    /// <summary>Opens the store of this test (a second call: the same store again, as after a restart or from another process).</summary>
    protected abstract Task<IEventStore> OpenAsync();

    /// <summary>Runs an UPDATE and a DELETE of every event straight on the backing store; returns each error's message (null when it was not refused).</summary>
    protected abstract Task<IReadOnlyList<string?>> TryRewriteDirectlyAsync();

    public virtual Task InitializeAsync() => Task.CompletedTask;

    public virtual Task DisposeAsync() => Task.CompletedTask;

    protected static SafetyEvent Event(int minute, string subject = "web", string kind = EventKinds.ComponentState) => new()
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
        await using var store = await OpenAsync();
        var first = await store.AppendAsync(Event(0));
        var second = await store.AppendAsync(Event(1));
        Assert.True(second > first);
        await store.AppendAsync(new SafetyEvent { Time = T0.AddTicks(1), Kind = "k", Subject = "s" }); // optional fields absent

        var events = await store.ReadAsync(new EventQuery());
        Assert.Equal(3, events.Count);
        Assert.Equal(Event(1) with { Sequence = second }, events[1]);
        Assert.Equal(TimeSpan.Zero, events[1].Time.Offset);
        Assert.Equal(new SafetyEvent { Sequence = events[2].Sequence, Time = T0.AddTicks(1), Kind = "k", Subject = "s" }, events[2]);
    }

    [Fact]
    public async Task Events_SurviveClosingAndReopening()
    {
        await using (var store = await OpenAsync())
        {
            await store.AppendAsync(Event(0));
            await store.AppendAsync(Event(1));
        }

        await using (var reopened = await OpenAsync())
        {
            var next = await reopened.AppendAsync(Event(2));
            Assert.Equal(3, next);
            Assert.Equal(["cause 0", "cause 1", "cause 2"], (await reopened.ReadAsync(new EventQuery())).Select(e => e.Cause));
        }
    }

    [Fact]
    public async Task Read_Filters_BySinceKindSubjectAndSequence_AndLimitKeepsTheNewest()
    {
        await using var store = await OpenAsync();
        await store.AppendAsync(Event(0, "web"));
        await store.AppendAsync(Event(1, "db"));
        await store.AppendAsync(Event(2, "system", EventKinds.SystemState));
        await store.AppendAsync(Event(3, "web"));
        await store.AppendAsync(Event(4, "web_", "component_state")); // LIKE wildcards must not match as wildcards

        Assert.Equal(["cause 2", "cause 3", "cause 4"], (await store.ReadAsync(new EventQuery { Since = T0.AddMinutes(2) })).Select(e => e.Cause));
        Assert.Equal(["cause 0", "cause 3"], (await store.ReadAsync(new EventQuery { Subject = "web" })).Select(e => e.Cause));
        Assert.Equal(["cause 2"], (await store.ReadAsync(new EventQuery { KindPrefix = "system." })).Select(e => e.Cause));
        Assert.Equal(["cause 0", "cause 1", "cause 3"], (await store.ReadAsync(new EventQuery { KindPrefix = "component." })).Select(e => e.Cause));
        Assert.Equal(["cause 3", "cause 4"], (await store.ReadAsync(new EventQuery { AfterSequence = 3 })).Select(e => e.Cause));
        Assert.Equal(["cause 3", "cause 4"], (await store.ReadAsync(new EventQuery { Limit = 2 })).Select(e => e.Cause));
        Assert.Equal(["cause 1", "cause 2"], (await store.ReadAsync(new EventQuery { AfterSequence = 1, Limit = 2, FromOldest = true })).Select(e => e.Cause));
        Assert.Empty(await store.ReadAsync(new EventQuery { Limit = 0 }));
        Assert.Equal(["cause 3"], (await store.ReadAsync(new EventQuery { Subject = "web", Since = T0.AddMinutes(1), KindPrefix = "component.", AfterSequence = 1 })).Select(e => e.Cause));
    }

    [Fact]
    public async Task Events_CannotBeChangedOrDeleted()
    {
        await using var store = await OpenAsync();
        await store.AppendAsync(Event(0));

        var errors = await TryRewriteDirectlyAsync();
        Assert.Equal(2, errors.Count);
        Assert.All(errors, e => Assert.Contains("append-only", e ?? "(not refused)", StringComparison.Ordinal));
        Assert.Equal("cause 0", (await store.ReadAsync(new EventQuery())).Single().Cause);
    }

    [Fact]
    public async Task TwoWriters_AppendConcurrently_IntoOneGaplessOrderedSequence()
    {
        // Two stores on one backing store (two processes of an installation): every event kept, each with its own
        // sequence, and a reader paging forward by sequence sees each writer's events in the order they were written.
        await using var a = await OpenAsync();
        await using var b = await OpenAsync();
        const int PerWriter = 40;
        async Task WriteAsync(IEventStore store, string subject)
        {
            for (var i = 0; i < PerWriter; i++)
            {
                await store.AppendAsync(Event(i, subject));
            }
        }

        await Task.WhenAll(Task.Run(() => WriteAsync(a, "a")), Task.Run(() => WriteAsync(b, "b")));
        var events = await a.ReadAsync(new EventQuery { Limit = 1000 });
        Assert.Equal(2 * PerWriter, events.Count);
        Assert.Equal(Enumerable.Range(1, 2 * PerWriter).Select(i => (long)i), events.Select(e => e.Sequence));
        foreach (var subject in new[] { "a", "b" })
        {
            Assert.Equal(Enumerable.Range(0, PerWriter).Select(i => $"cause {i}"), events.Where(e => e.Subject == subject).Select(e => e.Cause));
        }
    }
}
