using Bulwark.Failover;
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
                using var create = old.CreateCommand();
                create.CommandText = """
                    PRAGMA journal_mode = WAL;
                    CREATE TABLE leases (group_name TEXT PRIMARY KEY, holder TEXT NOT NULL, epoch INTEGER NOT NULL, expires_ms INTEGER NOT NULL);
                    INSERT INTO leases VALUES ('engines', 'a', 7, 0);
                    """;
                await create.ExecuteNonQueryAsync();
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

    public void Dispose() => _dir.Dispose();
}
