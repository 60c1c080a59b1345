using Bulwark.Trading;
using Bulwark.Tests.Servers;

namespace Bulwark.PostgreSql.Tests;

[Collection(PostgresCollection.Name)]
public sealed class PostgreSqlKillSwitchChannelTests(PostgresServer server) : KillSwitchChannelContract
{
    private string _connectionString = "";
    private TcpProxy? _proxy;

    public override async Task InitializeAsync() => _connectionString = await server.CreateDatabaseAsync();

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (_proxy is not null)
        {
            await _proxy.DisposeAsync();
        }
    }

    protected override async Task<IKillSwitchChannel> ConnectAsync(bool cuttable = false)
    {
        if (!cuttable)
        {
            return await PostgreSqlKillSwitchChannel.OpenAsync(_connectionString);
        }

        _proxy = new TcpProxy(server.Port);
        return await PostgreSqlKillSwitchChannel.OpenAsync(_connectionString.Replace($"Port={server.Port}", $"Port={_proxy.Port}", StringComparison.Ordinal));
    }

    /// <summary>NOTIFY payloads must be under 8,000 bytes.</summary>
    protected override int OversizedReasonLength => 9_000;

    protected override Task CutAsync()
    {
        _proxy!.Cut();
        return Task.CompletedTask;
    }

    protected override Task HealAsync()
    {
        _proxy!.Heal();
        return Task.CompletedTask;
    }
}
