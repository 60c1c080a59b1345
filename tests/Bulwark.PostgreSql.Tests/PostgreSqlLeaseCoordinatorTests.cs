using Bulwark.Failover;
using Bulwark.Tests.Servers;

namespace Bulwark.PostgreSql.Tests;

[Collection(PostgresCollection.Name)]
public sealed class PostgreSqlLeaseCoordinatorTests(PostgresServer server) : LeaseCoordinatorContract
{
    private string _connectionString = "";

    protected override bool UsesFakeTime => false;

    protected override TimeSpan Ttl => TimeSpan.FromSeconds(1);

    protected override int PropertyIterations => 4;

    public override async Task InitializeAsync() => _connectionString = await server.CreateDatabaseAsync();

    protected override async Task<ILeaseCoordinator> ConnectAsync() => await PostgreSqlLeaseCoordinator.OpenAsync(_connectionString);

    [Fact]
    public async Task TheWarmUpGrantAtOpen_LeavesNoRowBehind()
    {
        await using var a = await ConnectAsync(); // OpenAsync runs a real grant in a transaction it rolls back
        await using var b = await ConnectAsync();
        await using var connection = new Npgsql.NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand("SELECT count(*) FROM bulwark_leases;", connection);
        Assert.Equal(0L, await command.ExecuteScalarAsync());
    }

    [Fact]
    public async Task ExpiryIsJudgedByTheServersClock_NotTheClients()
    {
        // The row's expiry is the server's clock_timestamp() + TTL: what a replica believes about time plays no part.
        await using var a = await ConnectAsync();
        var lease = (await a.TryAcquireAsync("g", "a", TimeSpan.FromSeconds(30)))!;
        await using var connection = new Npgsql.NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand("SELECT extract(epoch FROM expires_at - clock_timestamp()) FROM bulwark_leases WHERE group_name = 'g';", connection);
        var remaining = Convert.ToDouble(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(remaining, 25, 30);
        Assert.True(await a.RenewAsync(lease));
    }

    [Fact]
    public async Task UnreachableServer_FailsWithinSeconds_SoTheElectorCanFailClosed()
    {
        await using var a = await ConnectAsync();
        var lease = (await a.TryAcquireAsync("g", "a", Ttl))!;
        var closed = new Npgsql.NpgsqlConnectionStringBuilder(_connectionString) { Port = ClosedPort() }.ConnectionString;
        var started = TimeProvider.System.GetTimestamp();
        await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            await using var unreachable = await PostgreSqlLeaseCoordinator.OpenAsync(closed);
        });
        Assert.True(TimeProvider.System.GetElapsedTime(started) < TimeSpan.FromSeconds(5));
        Assert.True(await a.RenewAsync(lease));
    }

    private static int ClosedPort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}

[Collection(PostgresCollection.Name)]
public sealed class PostgreSqlEventStoreTests(PostgresServer server) : EventStoreContract
{
    private string _connectionString = "";

    public override async Task InitializeAsync() => _connectionString = await server.CreateDatabaseAsync();

    protected override async Task<IEventStore> OpenAsync() => await PostgreSqlEventStore.OpenAsync(_connectionString);

    protected override async Task<IReadOnlyList<string?>> TryRewriteDirectlyAsync()
    {
        await using var connection = new Npgsql.NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        var errors = new List<string?>();
        foreach (var sql in new[] { "UPDATE bulwark_events SET cause = 'rewritten'", "DELETE FROM bulwark_events" })
        {
            await using var command = new Npgsql.NpgsqlCommand(sql, connection);
            try
            {
                await command.ExecuteNonQueryAsync();
                errors.Add(null);
            }
            catch (Npgsql.PostgresException error)
            {
                errors.Add(error.MessageText);
            }
        }

        return errors;
    }

    [Fact]
    public async Task Truncate_IsRefusedToo()
    {
        await using var store = await OpenAsync();
        await store.AppendAsync(Event(0));
        await using var connection = new Npgsql.NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand("TRUNCATE bulwark_events", connection);
        var error = await Assert.ThrowsAsync<Npgsql.PostgresException>(() => command.ExecuteNonQueryAsync());
        Assert.Contains("append-only", error.MessageText, StringComparison.Ordinal);
        Assert.Single(await store.ReadAsync(new EventQuery()));
    }
}
