using Bulwark.Failover;
using Bulwark.Tests.Servers;
using Bulwark.Trading;

namespace Bulwark.PostgreSql.Tests;

[Collection(PostgresCollection.Name)]
public sealed class AddBulwarkInAHostTests(PostgresServer server) : AddBulwarkInAHostContract, IAsyncLifetime
{
    private string _connectionString = "";

    protected override string Backend => "postgresql";

    protected override (string Key, string Value) Connection => ("connectionString", _connectionString);

    public async Task InitializeAsync() => _connectionString = await server.CreateDatabaseAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    protected override async Task<(ILeaseCoordinator Leases, IKillSwitchChannel Channel)> OpenAsync() =>
        (await PostgreSqlLeaseCoordinator.OpenAsync(_connectionString), await PostgreSqlKillSwitchChannel.OpenAsync(_connectionString));
}
