using Bulwark.Failover;
using Bulwark.Tests.TestSupport;
using Microsoft.Data.Sqlite;

namespace Bulwark.Tests.Failover;

public sealed class SqliteLeaseCoordinatorTests : LeaseCoordinatorContract, IDisposable
{
    private readonly TempDirectory _dir = new();

    protected override bool UsesFakeTime => true;

    protected override async Task<ILeaseCoordinator> ConnectAsync() =>
        await SqliteLeaseCoordinator.OpenAsync(_dir.File("leases.db"), Time);

    /// <summary>
    /// Replicas of one machine start together on a lease file an older Bulwark wrote, which lacks columns: every one
    /// must open it. (Two of three PaperTrader replicas once died at start on "duplicate column name", each having
    /// found the column missing and added it; the nemesis test then had nobody left to fail over to.)
    /// </summary>
    [Fact]
    public async Task ReplicasOpeningAFileTogether_AllOpenIt_WhileItIsMigrated()
    {
        for (var attempt = 0; attempt < 50; attempt++)
        {
            var path = _dir.File($"together-{attempt}.db");
            await using (var old = new SqliteConnection($"Data Source={path}"))
            {
                await old.OpenAsync();
                await ExecuteAsync(old, """
                    PRAGMA journal_mode = WAL;
                    CREATE TABLE leases (group_name TEXT PRIMARY KEY, holder TEXT NOT NULL, epoch INTEGER NOT NULL, expires_ms INTEGER NOT NULL);
                    INSERT INTO leases VALUES ('engines', 'a', 7, 0);
                    """);
            }

            using var start = new ManualResetEventSlim();
            var opens = Enumerable.Range(0, 6).Select(_ => Task.Run(async () =>
            {
                start.Wait(TimeSpan.FromSeconds(10));
                return await SqliteLeaseCoordinator.OpenAsync(path, Time);
            })).ToArray();
            start.Set();

            var coordinators = await Task.WhenAll(opens).WaitAsync(TimeSpan.FromSeconds(60));
            var lease = await coordinators[0].TryAcquireAsync("engines", "b", TimeSpan.FromSeconds(1));
            Assert.Equal(8, lease?.Token.Value); // the old file's epoch carries on
            foreach (var coordinator in coordinators)
            {
                await coordinator.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// A replica stopped (SIGSTOP, a debugger) inside its write holds the file's lock. Real time: the leader's renewal
    /// waits on the lock, so it stops leading at its own deadline; nobody else can take over while the lock is held
    /// (fail closed: no leader rather than two); once it is let go, a successor leads with a larger token.
    /// </summary>
    [Fact]
    public async Task AWriterStoppedInsideItsWrite_LeavesTheGroupLeaderless_UntilItsLockIsLetGo()
    {
        var path = _dir.File("stopped-writer.db");
        var timing = new LeaderElectorOptions
        {
            Ttl = TimeSpan.FromSeconds(1),
            SafetyMargin = TimeSpan.FromMilliseconds(300),
            RenewInterval = TimeSpan.FromMilliseconds(200),
            RetryInterval = TimeSpan.FromMilliseconds(50),
        };
        await using var first = await SqliteLeaseCoordinator.OpenAsync(path);
        await using var second = await SqliteLeaseCoordinator.OpenAsync(path);
        await using var a = new LeaderElector(first, "engines", "a", timing);
        await using var b = new LeaderElector(second, "engines", "b", timing);
        await a.StartAsync();
        await Eventually.WaitUntilAsync(() => a.IsLeader, TimeSpan.FromSeconds(10), "a leads");
        var old = a.Token!.Value.Value;
        await b.StartAsync();

        await using var writer = new SqliteConnection($"Data Source={path};Pooling=False");
        await writer.OpenAsync();
        await ExecuteAsync(writer, "BEGIN IMMEDIATE;"); // the stopped replica's write, its lock held

        await Eventually.WaitUntilAsync(() => !a.IsLeader, TimeSpan.FromSeconds(10), "a stops at its deadline");
        Assert.False(b.IsLeader);

        await ExecuteAsync(writer, "ROLLBACK;"); // it wakes up and finishes

        await Eventually.WaitUntilAsync(() => (a.Token ?? b.Token) is { } token && token.Value > old, TimeSpan.FromSeconds(15), "a new term");
        Assert.False(a.IsLeader && b.IsLeader);
    }

    private static async Task ExecuteAsync(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    public void Dispose() => _dir.Dispose();
}
