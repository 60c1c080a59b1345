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

    internal async Task RunAsync(string backend, Func<int, string> coordinatorFor, Fault[] faults, Action<int>? cut = null, Action<int>? heal = null)
    {
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
            await File.WriteAllTextAsync(Path.Combine(directory, $"{backend}.txt"), report);
            File.Copy(harness.VenueLogPath, Path.Combine(directory, $"{backend}-venue.log"), overwrite: true);
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
    public async Task KillAndPause_NoStaleTokenAccepted_NoOverlap()
    {
        var database = await server.CreateDatabaseAsync();
        await RunAsync("postgres", _ => database, [Fault.Kill, Fault.Pause]);
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
