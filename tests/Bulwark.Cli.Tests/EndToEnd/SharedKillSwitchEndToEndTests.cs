using System.Text.Json;
using Bulwark.Etcd;
using Bulwark.PostgreSql;
using Bulwark.Tests.Servers;
using Bulwark.Trading;

namespace Bulwark.Cli.Tests.EndToEnd;

/// <summary>
/// Two real <c>bulwark run</c> processes, replicas a and b of one installation on a shared coordinator (PostgreSQL,
/// etcd) that also shares the kill switch: both start, and a firm-wide engage by another node of the installation
/// reaches both (each records it in its own event log, so its gate rejects), and so does the release.
/// </summary>
public abstract class SharedKillSwitchEndToEndTests : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary><c>backend: ...</c> and its connection line, indented for <c>failover.coordinator</c>.</summary>
    protected abstract Task<string> CoordinatorAsync();

    protected abstract Task<IKillSwitchChannel> ChannelAsync();

    private async Task<string> ConfigAsync(string replica, string coordinator)
    {
        var path = _dir.File(replica + ".yaml");
        await File.WriteAllTextAsync(path, $"""
            checkIntervalSeconds: 0.5
            dataDirectory: {_dir.File(replica)}
            components:
              - name: self
                successThreshold: 1
                checks:
                  - type: command
                    command: "true"
            trading:
              enabledChecks: [maximumOrderQuantity]
              firm:
                maximumOrderQuantity: 100
              accounts:
                - name: ACC1
              strategies:
                - name: momo
              instruments:
                - symbol: XYZ
                  tickSize: 0.01
            failover:
              replica: {replica}
              coordinator:
            {coordinator}
              groups:
                - name: engines
                  trading: true
            """);
        return path;
    }

    [Fact]
    public async Task TwoRunProcesses_StartOnTheCoordinator_AndShareTheKillSwitch()
    {
        var coordinator = await CoordinatorAsync();
        await using var a = ChildProcess.StartDotnet("Bulwark.Cli.dll", _dir.Path, "run", "--config", await ConfigAsync("a", coordinator));
        await using var b = ChildProcess.StartDotnet("Bulwark.Cli.dll", _dir.Path, "run", "--config", await ConfigAsync("b", coordinator));
        await Eventually.WaitUntilAsync(() => Task.FromResult(a.Stdout.Contains("watching", StringComparison.Ordinal) && b.Stdout.Contains("watching", StringComparison.Ordinal)),
            Deadline, () => $"both running; a: {a.Stdout} {a.Stderr}; b: {b.Stdout} {b.Stderr}");

        // Another node of the installation engages the firm's switch: both processes apply it and record it.
        var options = new RiskGateOptions { EnabledChecks = RiskChecks.MaximumOrderQuantity };
        options.Accounts.Add("ACC1");
        options.Strategies.Add("momo");
        options.Instruments["XYZ"] = new InstrumentOptions { TickSize = 0.01 };
        options.Firm = new RiskLimits { MaximumOrderQuantity = 100 };
        var killSwitch = new KillSwitch(new RiskGate(options), new MemoryEventStore());
        var channel = await ChannelAsync();
        await using var disposeChannel = channel;
        await using var replication = await KillSwitchReplication.StartAsync(killSwitch, channel);
        await killSwitch.EngageAsync(TradingScope.Firm, "alice", "venue outage");
        foreach (var replica in new[] { "a", "b" })
        {
            await Eventually.WaitUntilAsync(async () => (await KillSwitchEventsAsync(replica)).Any(e => e.Contains("engaged", StringComparison.Ordinal)),
                Deadline, () => $"{replica} recorded the engage; a: {a.Stderr}; b: {b.Stderr}");
        }

        await killSwitch.ReleaseAsync(TradingScope.Firm, "alice", "venue back");
        foreach (var replica in new[] { "a", "b" })
        {
            await Eventually.WaitUntilAsync(async () => (await KillSwitchEventsAsync(replica)).Any(e => e.Contains("released", StringComparison.Ordinal)), Deadline, () => $"{replica} recorded the release");
        }

        Assert.False(a.HasExited || b.HasExited, a.Stderr + b.Stderr);
        a.Terminate();
        b.Terminate();
        Assert.Equal(0, await a.WaitForExitAsync(Deadline));
        Assert.Equal(0, await b.WaitForExitAsync(Deadline));
    }

    /// <summary>The kinds of the kill-switch events in a replica's log, through <c>bulwark events</c>.</summary>
    private async Task<IReadOnlyList<string>> KillSwitchEventsAsync(string replica)
    {
        var (exit, stdout, _) = await CliRunner.RunAsync("events", "--data-dir", _dir.File(replica), "--kind", TradingEventKinds.KillSwitchPrefix, "--json");
        if (exit != 0)
        {
            return [];
        }

        using var json = JsonDocument.Parse(stdout);
        return json.RootElement.EnumerateArray().Select(e => e.GetProperty("kind").GetString() ?? "").ToList();
    }

}

[Collection(PostgresCollection.Name)]
public sealed class PostgreSqlSharedKillSwitchEndToEndTests(PostgresServer server) : SharedKillSwitchEndToEndTests
{
    private string? _connectionString;

    protected override async Task<string> CoordinatorAsync()
    {
        _connectionString = await server.CreateDatabaseAsync();
        return $"    backend: postgresql\n    connectionString: \"{_connectionString}\"";
    }

    protected override async Task<IKillSwitchChannel> ChannelAsync() => await PostgreSqlKillSwitchChannel.OpenAsync(_connectionString!);
}

[Collection(EtcdCollection.Name)]
public sealed class EtcdSharedKillSwitchEndToEndTests(EtcdCluster cluster) : SharedKillSwitchEndToEndTests
{
    protected override Task<string> CoordinatorAsync() => Task.FromResult($"    backend: etcd\n    endpoints: {cluster.Endpoints}");

    protected override Task<IKillSwitchChannel> ChannelAsync() => Task.FromResult<IKillSwitchChannel>(new EtcdKillSwitchChannel(cluster.Endpoints));
}
