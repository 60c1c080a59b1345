using System.Globalization;
using Bulwark.Tests.Servers;
using Bulwark.Trading.Journal;
using Xunit.Abstractions;

namespace Bulwark.Nemesis.Tests;

/// <summary>
/// Jepsen-style failover tests with real processes: three PaperTrader replicas trading at <see cref="Rate"/> orders a
/// second each while they lead, on one fenced SQLite trading journal, and the venue simulator with no fencing check (as
/// a real venue), logging for every order what a fencing venue would have decided. Faults are injected into the leader
/// (kill -9, SIGSTOP past the lease, cutting it from its coordinator). From the venue's raw log: the deposed-term orders
/// that arrived after a newer term's first order (0 for kill -9 and partition; SIGSTOP between the check and the send is
/// the case only a downstream fence catches, counted and shown refused by the journal); the fence's decisions equal to
/// that count order by order; and every new leader's position at takeover equal to the venue's fills before it.
/// 10 rounds per backend here; <c>bench/failover/measure.sh</c> sets <c>BULWARK_NEMESIS_ROUNDS=100</c> and
/// <c>BULWARK_NEMESIS_REPORT</c> for the published figures (<c>BULWARK_NEMESIS_VENUE=fenced</c>: a venue that refuses).
/// </summary>
public abstract class NemesisTests(ITestOutputHelper output)
{
    protected static readonly TimeSpan Ttl = TimeSpan.FromSeconds(1);

    /// <summary>Orders per second each leader sends (BULWARK_NEMESIS_RATE, default 300: at least 200 reached at the venue).</summary>
    protected static double Rate =>
        double.TryParse(Environment.GetEnvironmentVariable("BULWARK_NEMESIS_RATE"), CultureInfo.InvariantCulture, out var r) && r > 0 ? r : 300;

    protected static int Rounds =>
        int.TryParse(Environment.GetEnvironmentVariable("BULWARK_NEMESIS_ROUNDS"), CultureInfo.InvariantCulture, out var n) && n > 0 ? n : 10;

    private static bool Unfenced => Environment.GetEnvironmentVariable("BULWARK_NEMESIS_VENUE") is not "fenced";

    /// <summary>BULWARK_NEMESIS_FAULTS=kill (comma-separated) runs only those faults, in turn: the failover-time figure is kill -9 alone.</summary>
    private static Fault[] Only(Fault[] faults) =>
        Environment.GetEnvironmentVariable("BULWARK_NEMESIS_FAULTS") is { Length: > 0 } names
            ? faults.Where(f => names.Split(',', StringSplitOptions.TrimEntries).Contains(f.ToString(), StringComparer.OrdinalIgnoreCase)).ToArray()
            : faults;

    internal async Task RunAsync(string backend, Func<int, string> coordinatorFor, Fault[] faults, Action<int>? cut = null, Action<int>? heal = null)
    {
        faults = Only(faults);
        Assert.NotEmpty(faults);
        await using var harness = new NemesisHarness(backend, coordinatorFor, Ttl, Rate, Unfenced);
        await harness.StartAsync();
        var rounds = new List<Round>();
        for (var i = 1; i <= Rounds; i++)
        {
            rounds.Add(await harness.RunRoundAsync(i, faults[(i - 1) % faults.Length], cut, heal));
        }

        var orders = harness.Orders();
        var late = VenueLog.DeposedArrivals(orders);
        var lateByRound = rounds.ToDictionary(r => r.Number, r => late.Count(o => o.Token == r.OldToken && o.Replica == r.OldLeader));
        var lateOf = (Fault f) => rounds.Where(r => r.Fault == f).Sum(r => lateByRound[r.Number]);

        // SIGSTOP's late orders are refused by the fenced journal: their fills are not in it, and no row of an older term
        // follows a newer term's first row. The woken replica saw its rows refused (RefusedAsStale > 0) and exited.
        var rows = await JournalRowsAsync(harness.JournalPath);
        if (late.Count > 0)
        {
            await Eventually.WaitUntilAsync(() => harness.RefusedAsStale > 0, TimeSpan.FromSeconds(15), "a woken replica's journal refused its rows");
        }

        var rates = VenueLog.TermRates(orders);
        var terms = rates.Select(t => t.PerSecond).Order().ToArray();
        var slowest = rates.Count > 0 ? rates.Min(t => t.SlowestSecond) : 0;
        var lateFills = late.Sum(o => o.SignedFill);
        var report = NemesisHarness.Report(backend, rounds) + string.Create(CultureInfo.InvariantCulture, $"""
              venue {(Unfenced ? "unfenced (logs the fencing decision for each order)" : "fencing")}; rate asked {Rate}/s per leader, reached at the venue (a term's orders over its first to last arrival): min {(terms.Length > 0 ? terms[0] : 0):F0}/s, median {(terms.Length > 0 ? terms[terms.Length / 2] : 0):F0}/s over {terms.Length} terms of at least 1 s; slowest whole second inside a term {slowest} orders
              orders {orders.Count}, accepted {orders.Count(o => o.Accepted)}, refused as stale {orders.Count(o => !o.Accepted)}, a fencing venue would refuse {orders.Count(o => o.Fenced == false)}, terms {orders.Select(o => o.Token).Distinct().Count()}
              deposed-term orders after a newer term's first order: {late.Count} (kill {lateOf(Fault.Kill)}, pause {lateOf(Fault.Pause)}, partition {lateOf(Fault.Partition)}); their fills {lateFills} (filled by an unfenced venue, refused by the journal)
              journal: {rows.Count} rows, RefusedAsStale {harness.RefusedAsStale} over the run, deposed replicas restarted {harness.DeposedExits.Count}
            """) + "\n";
        output.WriteLine(report);
        if (Environment.GetEnvironmentVariable("BULWARK_NEMESIS_REPORT") is { Length: > 0 } directory)
        {
            Directory.CreateDirectory(directory);
            var name = backend + string.Concat(faults.Select(f => "-" + f.ToString().ToLowerInvariant()));
            await File.WriteAllTextAsync(Path.Combine(directory, $"{name}.txt"), report);
            File.Copy(harness.VenueLogPath, Path.Combine(directory, $"{name}-venue.log"), overwrite: true);
        }

        Assert.Equal(Rounds, rounds.Count);
        Assert.All(rates, t => Assert.True(t.PerSecond >= 200, $"term {t.Token} traded at {t.PerSecond:F0} orders/s, below 200"));
        Assert.All(rounds, r => Assert.True(r.NewToken > r.OldToken));
        Assert.All(rounds, r => Assert.True(r.RecoveryMs < 10_000, $"round {r.Number}: {r.RecoveryMs} ms"));

        // With the gate's own deadline check, no order of a deposed term reaches the venue after kill -9 or a partition.
        Assert.All(rounds.Where(r => r.Fault != Fault.Pause), r => Assert.True(lateByRound[r.Number] == 0, $"round {r.Number} ({r.Fault}): {lateByRound[r.Number]} deposed-term orders arrived late"));
        Assert.Equal(late.Count, lateByRound.Values.Sum()); // every late order belongs to a round's deposed leader

        // The fence, order by order: it refuses (or, unfenced, would refuse) exactly the orders the checker counts.
        Assert.Empty(VenueLog.FenceDisagreements(orders));
        if (!Unfenced)
        {
            Assert.Empty(VenueLog.StaleAccepted(orders));
            Assert.Empty(VenueLog.Overlaps(orders));
        }

        // The fenced journal kept the split brain's fills out, and its terms only move forward.
        var lateIds = late.Select(o => o.OrderId).ToHashSet();
        Assert.DoesNotContain(rows, r => r.Kind == JournalRecordKind.Fill && lateIds.Contains(r.OrderId));
        var newest = 0L;
        foreach (var row in rows)
        {
            Assert.True(row.Token >= newest, $"journal row {row.Sequence} of term {row.Token} after a row of term {newest}");
            newest = Math.Max(newest, row.Token);
        }

        // Every new leader started from the positions of the terms before it: the fills the venue accepted.
        Assert.All(rounds, r => Assert.True(r.TakeoverPosition == r.VenuePosition,
            $"round {r.Number} ({r.Fault}): {r.NewLeader}#{r.NewToken} took over at position {r.TakeoverPosition}, the venue's fills before it make {r.VenuePosition}"));
        Assert.All(rounds, r => Assert.True(r.VenuePosition != 0, $"round {r.Number}: no fills before term {r.NewToken}"));
    }

    private static async Task<IReadOnlyList<JournalRecord>> JournalRowsAsync(string path)
    {
        await using var store = await SqliteTradingJournalStore.OpenAsync(path);
        var rows = new List<JournalRecord>();
        while (true)
        {
            var page = await store.ReadAsync(rows.Count > 0 ? rows[^1].Sequence : 0, 50_000);
            rows.AddRange(page);
            if (page.Count < 50_000)
            {
                return rows;
            }
        }
    }
}

public sealed class SqliteNemesisTests(ITestOutputHelper output) : NemesisTests(output), IDisposable
{
    private readonly TempDirectory _dir = new();

    [Fact]
    public Task KillAndPause_NoDeposedArrivalAfterKill_PausedLeaderRefusedByTheJournal_PositionsCarryOver() =>
        RunAsync("sqlite", _ => _dir.File("leases.db"), [Fault.Kill, Fault.Pause]);

    public void Dispose() => _dir.Dispose();
}

[Collection(PostgresCollection.Name)]
public sealed class PostgreSqlNemesisTests(PostgresServer server, ITestOutputHelper output) : NemesisTests(output)
{
    [Fact]
    public async Task KillPauseAndPartition_NoDeposedArrivalAfterKillOrPartition_PausedLeaderRefusedByTheJournal_PositionsCarryOver()
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
    public Task KillPauseAndPartition_NoDeposedArrivalAfterKillOrPartition_PausedLeaderRefusedByTheJournal_PositionsCarryOver() =>
        // Each replica talks to one member; a partition kills the leader's member (the others keep quorum).
        RunAsync("etcd", cluster.Endpoint, [Fault.Kill, Fault.Pause, Fault.Partition], cluster.Kill, cluster.Start);
}
