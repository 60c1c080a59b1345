using System.Globalization;
using Bulwark.Tests.Servers;
using Xunit.Abstractions;

namespace Bulwark.Nemesis.Tests;

/// <summary>
/// Jepsen-style failover tests with real processes: three PaperTrader replicas and the venue simulator, faults
/// injected into the leader (kill -9, SIGSTOP past the lease, cutting it from its coordinator), the venue's log
/// checked for stale tokens and overlapping terms. 10 rounds per backend here; <c>bench/failover/measure.sh</c> sets
/// <c>BULWARK_NEMESIS_ROUNDS=100</c> and <c>BULWARK_NEMESIS_REPORT</c> for the published figures.
/// </summary>
public abstract class NemesisTests(ITestOutputHelper output)
{
    protected static readonly TimeSpan Ttl = TimeSpan.FromSeconds(1);

    protected static int Rounds =>
        int.TryParse(Environment.GetEnvironmentVariable("BULWARK_NEMESIS_ROUNDS"), CultureInfo.InvariantCulture, out var n) && n > 0 ? n : 10;

    /// <summary>BULWARK_NEMESIS_FAULTS=kill (comma-separated) runs only those faults, in turn: the failover-time figure is kill -9 alone.</summary>
    private static Fault[] Only(Fault[] faults) =>
        Environment.GetEnvironmentVariable("BULWARK_NEMESIS_FAULTS") is { Length: > 0 } names
            ? faults.Where(f => names.Split(',', StringSplitOptions.TrimEntries).Contains(f.ToString(), StringComparer.OrdinalIgnoreCase)).ToArray()
            : faults;

    internal async Task RunAsync(string backend, Func<int, string> coordinatorFor, Fault[] faults, Action<int>? cut = null, Action<int>? heal = null)
    {
        faults = Only(faults);
        Assert.NotEmpty(faults);
        await using var harness = new NemesisHarness(backend, coordinatorFor, Ttl);
        await harness.StartAsync();
        var rounds = new List<Round>();
        for (var i = 1; i <= Rounds; i++)
        {
            rounds.Add(await harness.RunRoundAsync(i, faults[(i - 1) % faults.Length], cut, heal));
        }

        var orders = harness.Orders();
        var report = NemesisHarness.Report(backend, rounds) +
                     $"  orders {orders.Count}, accepted {orders.Count(o => o.Accepted)}, refused as stale {orders.Count(o => !o.Accepted)}, terms {orders.Where(o => o.Accepted).Select(o => o.Token).Distinct().Count()}\n";
        output.WriteLine(report);
        if (Environment.GetEnvironmentVariable("BULWARK_NEMESIS_REPORT") is { Length: > 0 } directory)
        {
            Directory.CreateDirectory(directory);
            var name = backend + string.Concat(faults.Select(f => "-" + f.ToString().ToLowerInvariant()));
            await File.WriteAllTextAsync(Path.Combine(directory, $"{name}.txt"), report);
            File.Copy(harness.VenueLogPath, Path.Combine(directory, $"{name}-venue.log"), overwrite: true);
        }

        Assert.Empty(VenueLog.StaleAccepted(orders));
        Assert.Empty(VenueLog.Overlaps(orders));
        Assert.Equal(Rounds, rounds.Count);
        Assert.All(rounds, r => Assert.True(r.NewToken > r.OldToken));
        Assert.All(rounds, r => Assert.True(r.RecoveryMs < 10_000, $"round {r.Number}: {r.RecoveryMs} ms"));
    }
}

public sealed class SqliteNemesisTests(ITestOutputHelper output) : NemesisTests(output), IDisposable
{
    private readonly TempDirectory _dir = new();

    [Fact]
    public Task KillAndPause_NoStaleTokenAccepted_NoOverlap() =>
        RunAsync("sqlite", _ => _dir.File("leases.db"), [Fault.Kill, Fault.Pause]);

    public void Dispose() => _dir.Dispose();
}

[Collection(PostgresCollection.Name)]
public sealed class PostgreSqlNemesisTests(PostgresServer server, ITestOutputHelper output) : NemesisTests(output)
{
    [Fact]
    public async Task KillPauseAndPartition_NoStaleTokenAccepted_NoOverlap()
    {
        // Each replica reaches the server through its own proxy; a partition black-holes the leader's proxy.
        var database = await server.CreateDatabaseAsync();
        var proxies = Enumerable.Range(0, 3).Select(_ => new TcpProxy(server.Port)).ToArray();
        try
        {
            await RunAsync("postgres", i => database.Replace($"Port={server.Port}", $"Port={proxies[i].Port}", StringComparison.Ordinal),
                [Fault.Kill, Fault.Pause, Fault.Partition], i => proxies[i].Cut(), i => proxies[i].Heal());
        }
        finally
        {
            foreach (var proxy in proxies)
            {
                await proxy.DisposeAsync();
            }
        }
    }
}

[Collection(EtcdCollection.Name)]
public sealed class EtcdNemesisTests(EtcdCluster cluster, ITestOutputHelper output) : NemesisTests(output)
{
    [Fact]
    public Task KillPauseAndPartition_NoStaleTokenAccepted_NoOverlap() =>
        // Each replica talks to one member; a partition kills the leader's member (the others keep quorum).
        RunAsync("etcd", cluster.Endpoint, [Fault.Kill, Fault.Pause, Fault.Partition], cluster.Kill, cluster.Start);
}
