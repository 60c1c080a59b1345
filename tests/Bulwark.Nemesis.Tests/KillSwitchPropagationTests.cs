using System.Globalization;
using System.Text;
using Bulwark.Cli.Tests.EndToEnd;
using Bulwark.Etcd;
using Bulwark.PostgreSql;
using Bulwark.Tests.Servers;
using Bulwark.Trading;
using Xunit.Abstractions;

namespace Bulwark.Nemesis.Tests;

/// <summary>
/// The kill switch across machines, with real processes: three KillSwitchNode processes follow the shared state while
/// this process, a fourth node, engages and releases the firm's switch in turn. Each node prints when it applied each
/// change; the delay from the engage or release call here to that line is the propagation time. Every change must
/// reach every node. 20 changes here; <c>bench/killswitch/measure.sh</c> sets <c>BULWARK_KILLSWITCH_ROUNDS</c> for
/// the published p99 (the ≤ 100 ms target is checked there, not in a timed test).
/// </summary>
public abstract class KillSwitchPropagationTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private static int Rounds =>
        int.TryParse(Environment.GetEnvironmentVariable("BULWARK_KILLSWITCH_ROUNDS"), CultureInfo.InvariantCulture, out var n) && n > 0 ? n : 20;

    internal async Task RunAsync(string backend, string coordinator, Func<Task<IKillSwitchChannel>> connect, params string[] extra)
    {
        using var dir = new TempDirectory();
        var nodes = new List<ChildProcess>();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                nodes.Add(ChildProcess.StartDotnet(NemesisHarness.Sample("KillSwitchNode"), dir.Path, ["--backend", backend, "--coordinator", coordinator, .. extra]));
            }

            await WaitAsync(() => nodes.All(n => n.Stdout.Contains("in-sync", StringComparison.Ordinal)), "every node in sync");

            var options = new RiskGateOptions { EnabledChecks = RiskChecks.MaximumOrderQuantity };
            options.Accounts.Add("paper");
            options.Strategies.Add("demo");
            options.Instruments["XYZ"] = new InstrumentOptions { TickSize = 0.01 };
            options.Firm = new RiskLimits { MaximumOrderQuantity = 100 };
            var killSwitch = new KillSwitch(new RiskGate(options), new MemoryEventStore());
            var channel = await connect();
            await using var disposeChannel = channel;
            await using var replication = await KillSwitchReplication.StartAsync(killSwitch, channel);
            var latencies = new List<double>();

            // Round 1 engages and round 2 releases as a warm-up (each process's first change runs cold code); not counted.
            const int WarmUp = 2;
            for (var round = 1; round <= Rounds + WarmUp; round++)
            {
                var engage = round % 2 == 1;
                var before = Micros();
                if (engage)
                {
                    await killSwitch.EngageAsync(TradingScope.Firm, "nemesis", $"round {round}");
                }
                else
                {
                    await killSwitch.ReleaseAsync(TradingScope.Firm, "nemesis", $"round {round}");
                }

                // The n-th applied line of each node is this round's (changes alternate, none is skipped).
                var word = engage ? "engaged" : "released";
                await WaitAsync(() => nodes.All(n => Applied(n).Count >= round),
                    () => $"round {round}: every node applied {word}; nodes: " + string.Join(" | ", nodes.Select(n => string.Join(" / ", n.Stdout.Split('\n').TakeLast(4)))));
                foreach (var node in nodes)
                {
                    var (state, at) = Applied(node)[round - 1];
                    Assert.Equal(word, state);
                    if (round > WarmUp)
                    {
                        latencies.Add((at - before) / 1000.0);
                    }
                }
            }

            var sorted = latencies.Order().ToArray();
            var report = new StringBuilder()
                .AppendLine(CultureInfo.InvariantCulture, $"kill switch over {backend}: {Rounds} changes (after 2 warm-up) x {nodes.Count} node processes = {sorted.Length} deliveries, from the engage/release call to the node's apply")
                .AppendLine(CultureInfo.InvariantCulture, $"  p50={NemesisHarness.Percentile(sorted, 0.50):F1} ms p99={NemesisHarness.Percentile(sorted, 0.99):F1} ms max={sorted[^1]:F1} ms")
                .ToString();
            output.WriteLine(report);
            if (Environment.GetEnvironmentVariable("BULWARK_NEMESIS_REPORT") is { Length: > 0 } directory)
            {
                Directory.CreateDirectory(directory);
                await File.WriteAllTextAsync(Path.Combine(directory, $"killswitch-{backend}.txt"), report);
            }

            Assert.Equal(Rounds * nodes.Count, sorted.Length);
            Assert.True(sorted[^1] < 5_000, $"a change took {sorted[^1]} ms to reach a node"); // sanity, not the target
        }
        finally
        {
            foreach (var node in nodes)
            {
                await node.DisposeAsync();
            }
        }
    }

    private static List<(string State, long At)> Applied(ChildProcess node) =>
        node.Stdout.Split('\n')
            .Where(l => l.StartsWith("applied firm ", StringComparison.Ordinal))
            .Select(l => l.Split(' '))
            .Select(p => (p[2], long.Parse(p[4], CultureInfo.InvariantCulture)))
            .ToList();

    private static long Micros() => (TimeProvider.System.GetUtcNow() - DateTimeOffset.UnixEpoch).Ticks / 10;

    private static Task WaitAsync(Func<bool> condition, string what) => WaitAsync(condition, () => what);

    private static async Task WaitAsync(Func<bool> condition, Func<string> what)
    {
        var deadline = TimeProvider.System.GetTimestamp() + (long)(Deadline.TotalSeconds * TimeProvider.System.TimestampFrequency);
        while (!condition())
        {
            Assert.True(TimeProvider.System.GetTimestamp() < deadline, $"not within {Deadline.TotalSeconds} s: {what()}");
            await Task.Delay(5);
        }
    }
}

[Collection(PostgresCollection.Name)]
public sealed class PostgreSqlKillSwitchPropagationTests(PostgresServer server, ITestOutputHelper output) : KillSwitchPropagationTests(output)
{
    [Fact]
    public async Task EveryChange_ReachesEveryNode()
    {
        var database = await server.CreateDatabaseAsync();
        await RunAsync("postgres", database, async () => await PostgreSqlKillSwitchChannel.OpenAsync(database));
    }
}

[Collection(EtcdCollection.Name)]
public sealed class EtcdKillSwitchPropagationTests(EtcdCluster cluster, ITestOutputHelper output) : KillSwitchPropagationTests(output)
{
    [Fact]
    public Task EveryChange_ReachesEveryNode()
    {
        var prefix = $"/bulwark-test/{Guid.NewGuid():N}/killswitch/";
        return RunAsync("etcd", cluster.Endpoints, () => Task.FromResult<IKillSwitchChannel>(new EtcdKillSwitchChannel(cluster.Endpoints, prefix)), "--prefix", prefix);
    }
}
