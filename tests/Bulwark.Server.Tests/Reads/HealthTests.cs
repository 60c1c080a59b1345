using System.Net;
using Bulwark.Storage;

namespace Bulwark.Server.Tests.Reads;

/// <summary>/healthz is open and alive; /readyz is 200 when ready and 503 naming the store when it cannot be written.</summary>
public sealed class HealthTests
{
    [Fact]
    public async Task Healthz_IsOpen_AndReadyz_Is200WithEveryCondition()
    {
        await using var harness = await ServerHarness.StartAsync();

        var alive = await Problem.JsonAsync(await harness.GetAsync("/healthz"));
        var ready = await Problem.JsonAsync(await harness.GetAsync("/readyz"));

        Assert.Equal("alive", alive.GetProperty("status").GetString());
        Assert.Equal("ready", ready.GetProperty("status").GetString());
        Assert.Equal(["configuration", "store", "leadership"], ready.GetProperty("checks").EnumerateArray().Select(c => c.GetProperty("name").GetString()));
    }

    [Fact]
    public async Task Readyz_Is503NamingTheStore_WhileItCannotBeWritten_And200Again()
    {
        BreakableStore? store = null;
        await using var harness = await ServerHarness.StartAsync(store: path => store = new BreakableStore(SqliteEventStore.OpenAsync(path).GetAwaiter().GetResult()));
        await Problem.JsonAsync(await harness.GetAsync("/readyz"));

        store!.Broken = true;
        var problem = await Problem.ReadAsync(await harness.GetAsync("/readyz"), HttpStatusCode.ServiceUnavailable);
        store.Broken = false;

        Assert.Contains("store: a write failed: disk full (test)", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await Problem.JsonAsync(await harness.GetAsync("/readyz"));
    }

    [Fact]
    public async Task Readyz_Is503_WhenTheLastAppendFailed_EvenIfTheStatusWriteWorks()
    {
        BreakableStore? store = null;
        await using var harness = await ServerHarness.StartAsync(store: path => store = new BreakableStore(SqliteEventStore.OpenAsync(path).GetAwaiter().GetResult()));

        // A transition the manager cannot append: the heartbeat makes the engine Healthy.
        store!.AppendsFail = true;
        harness.Beat();
        await Eventually.WaitUntilAsync(() => harness.System.Manager.GetStatus().StoreFault is not null, TimeSpan.FromSeconds(30), "an append failed");

        var problem = await Problem.ReadAsync(await harness.GetAsync("/readyz"), HttpStatusCode.ServiceUnavailable);
        Assert.Contains("store: the last append failed", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        store.AppendsFail = false;
    }

    /// <summary>The real SQLite store, failing on demand (appends, status writes, or both).</summary>
    private sealed class BreakableStore(SqliteEventStore inner) : IEventStore, IStatusStore
    {
        public volatile bool Broken;
        public volatile bool AppendsFail;

        public ValueTask<long> AppendAsync(SafetyEvent safetyEvent, CancellationToken cancellationToken = default) =>
            Broken || AppendsFail ? throw new IOException("disk full (test)") : inner.AppendAsync(safetyEvent, cancellationToken);

        public ValueTask<IReadOnlyList<SafetyEvent>> ReadAsync(EventQuery query, CancellationToken cancellationToken = default) => inner.ReadAsync(query, cancellationToken);

        public ValueTask WriteStatusAsync(StatusReport report, CancellationToken cancellationToken = default) =>
            Broken ? throw new IOException("disk full (test)") : inner.WriteStatusAsync(report, cancellationToken);

        public ValueTask<StatusReport?> ReadStatusAsync(CancellationToken cancellationToken = default) => inner.ReadStatusAsync(cancellationToken);

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
