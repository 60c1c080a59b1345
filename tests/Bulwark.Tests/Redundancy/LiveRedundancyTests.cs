using System.Diagnostics;
using System.Globalization;
using Bulwark.Redundancy;
using Bulwark.Storage;
using Bulwark.Tests.TestSupport;
using Bulwark.Trading;

namespace Bulwark.Tests.Redundancy;

/// <summary>
/// Redundancy from live health in a running system: real processes as replicas (their pid files), killed and restarted.
/// The level follows, each change is an event, below N+1 an incident opens (and resolves), below N trading halts.
/// </summary>
public sealed class LiveRedundancyTests : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private readonly TempDirectory _dir = new();
    private readonly Process?[] _replicas = new Process?[3];

    [Fact]
    public async Task Level_FollowsReplicasKilledAndRestarted_WithEventsAnIncidentAndTradingPolicy()
    {
        var (listener, port) = TestSystems.Listen();
        try
        {
            var options = TestSystems.GatewayOverTcp(_dir.Path, port);
            options.Trading = Bulwark.Tests.Trading.TradingFixture.DefaultOptions();
            options.Redundancy = new RedundancyOptions { IntervalSeconds = 3600 }; // evaluated on demand below, plus once at start
            var engines = new RedundantServiceOptions
            {
                Name = "engines", Type = RedundancyType.ActiveActive, Capacity = 2, Level = 1, Trading = true, BelowCapacity = TradingState.Halted,
                Host = "h1", Zone = "z1", Region = "eu",
            };
            for (var i = 0; i < _replicas.Length; i++)
            {
                engines.Replicas.Add(new RedundantReplicaOptions { Name = $"e{i}", PidFile = $"e{i}.pid" });
                Start(i);
            }

            options.Redundancy.Services.Add(engines);
            await using var system = SafetySystem.Create(options);
            await system.StartAsync();
            var gate = system.Trading!.Gate;
            var (a, s, y) = (gate.GetAccountId("A1"), gate.GetStrategyId("S1"), gate.GetSymbolId("XYZ"));
            gate.UpdateReferencePrice(y, 100);
            var id = 1L;
            RiskDecision Buy()
            {
                gate.UpdateReferencePrice(y, 100); // fed as a price feed would: fed once, it goes stale (5 s) on a slow start
                return gate.Check(new OrderRequest(id++, a, s, y, OrderSide.Buy, 1, 100));
            }
            await Eventually.WaitUntilAsync(() => Buy().IsAccepted, Deadline, "trading once the gateway is healthy");

            Assert.Equal((1, true), Level(await system.ValidateRedundancyAsync()));

            Kill(0);
            var one = await system.ValidateRedundancyAsync();
            Assert.Equal((0, false), Level(one));
            Assert.Contains(one.Findings, f => f.Kind == "replica-unhealthy" && f.Subject == "engines/e0" && f.Message.Contains("not running", StringComparison.Ordinal));
            Assert.True(Buy().IsAccepted); // N healthy: trading goes on

            Kill(1);
            Assert.Equal((-1, false), Level(await system.ValidateRedundancyAsync()));
            Assert.Equal(RiskRejectReason.TradingHalted, Buy().Reason);

            Start(0);
            Start(1);
            Assert.Equal((1, true), Level(await system.ValidateRedundancyAsync()));
            Assert.True(Buy().IsAccepted);

            var events = await system.Events.ReadAsync(new EventQuery { KindPrefix = "redundancy.", Limit = 100, FromOldest = true });
            Assert.Equal(
                [
                    "redundancy.level_observed ->N+1", "redundancy.level_dropped N+1->N+0", "redundancy.below_spare N+1->N+0",
                    "redundancy.level_dropped N+0->N-1", "redundancy.level_returned N-1->N+1", "redundancy.spare_restored N-1->N+1",
                ],
                events.Select(e => $"{e.Kind} {e.From}->{e.To}"));

            await system.RefreshAvailabilityAsync();
            var incident = Assert.Single(system.Availability.GetIncidents(), i => i.Subject == "redundancy:engines");
            Assert.NotNull(incident.ResolvedAt);
        }
        finally
        {
            listener.Stop();
        }
    }

    private static (int, bool) Level(RedundancyReport report) => (report.Level, report.Met);

    private void Start(int i)
    {
        _replicas[i]?.Dispose();
        var process = Process.Start(new ProcessStartInfo("sleep", "300") { UseShellExecute = false })!;
        _replicas[i] = process;
        File.WriteAllText(Path.Combine(_dir.Path, $"e{i}.pid"), process.Id.ToString(CultureInfo.InvariantCulture));
    }

    private void Kill(int i)
    {
        _replicas[i]!.Kill();
        _replicas[i]!.WaitForExit();
    }

    public void Dispose()
    {
        foreach (var process in _replicas)
        {
            if (process is { HasExited: false })
            {
                process.Kill();
            }

            process?.Dispose();
        }

        _dir.Dispose();
    }
}
