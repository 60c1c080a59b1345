using Bulwark.Redundancy;
using CsCheck;

namespace Bulwark.Tests.Redundancy;

/// <summary>
/// The evaluator on random topologies (up to four services in a dependency chain, up to five replicas each, placement
/// from small sets so hosts, zones and regions are shared, random health) against a brute-force reference: the level
/// arithmetic, and every single-point or spread finding names a loss that really leaves a service trading depends on
/// below N.
/// </summary>
public sealed class RedundancyPropertyTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 2, 18, 0, 0, TimeSpan.Zero);

    private static readonly Gen<(int Capacity, int Level, (int Host, int Zone, int Region, bool Healthy)[] Replicas)> ServiceGen =
        Gen.Select(Gen.Int[1, 3], Gen.Int[0, 3], Gen.Select(Gen.Int[0, 3], Gen.Int[0, 2], Gen.Int[0, 1], Gen.Bool).Array[1, 5]);

    [Fact]
    public void Findings_AreBorneOutByTheTopology() =>
        ServiceGen.Array[1, 4].Sample(generated =>
        {
            // Service i depends on service i+1: a chain, so dependencies reach through.
            var services = generated.Select((s, i) => new ServiceTopology(
                $"s{i}", RedundancyType.ActiveActive, s.Capacity, s.Level, i + 1 < generated.Length ? [$"s{i + 1}"] : [], Trading: i == 0, null,
                Bulwark.Trading.TradingState.Reducing,
                s.Replicas.Select((r, j) => new ReplicaTopology($"s{i}", $"r{j}", ReplicaRole.Active, $"h{r.Host}", $"z{r.Zone}", $"g{r.Region}",
                    null, null, null, [])).ToArray())).ToArray();
            var healthy = services.SelectMany((s, i) => s.Replicas.Where((_, j) => generated[i].Replicas[j].Healthy)).ToHashSet();

            var report = RedundancyEvaluator.Evaluate(services, r => new ReplicaObservation(healthy.Contains(r), "seen"), new Dictionary<string, string>(), _ => true, Now, 1);

            for (var i = 0; i < services.Length; i++)
            {
                var up = services[i].Replicas.Count(healthy.Contains);
                Assert.Equal(up - services[i].Capacity, report.Services[i].Level);
                Assert.Equal(up >= services[i].Capacity + services[i].Level, report.Services[i].Met);
            }

            Assert.Equal(report.Services.All(s => s.Met), report.Met);
            Assert.Equal(report.Services.Min(s => s.Level - s.Required), report.Level - report.Required);
            foreach (var finding in report.Findings)
            {
                Func<ReplicaTopology, bool>? lost = finding.Kind switch
                {
                    "spof-host" => r => r.Host == finding.Subject,
                    "zone-spread" => r => r.Zone == finding.Subject,
                    "region-spread" => r => r.Region == finding.Subject,
                    "spof-service" => r => r == services.First(s => s.Name == finding.Subject).Replicas.First(healthy.Contains),
                    _ => null,
                };
                if (lost is not null)
                {
                    Assert.True(BreaksTrading(services, healthy, lost), $"{finding} is not borne out");
                }
            }
        }, iter: 2000);

    /// <summary>Reference: after the loss, is s0 (what trading depends on, with everything below it) below N anywhere in its chain?</summary>
    private static bool BreaksTrading(ServiceTopology[] services, HashSet<ReplicaTopology> healthy, Func<ReplicaTopology, bool> lost)
    {
        var before = services.Any(s => s.Replicas.Count(healthy.Contains) < s.Capacity);
        var after = services.Any(s => s.Replicas.Count(r => healthy.Contains(r) && !lost(r)) < s.Capacity);

        // In a chain every service is a trading dependency, and one below N takes s0 with it; a loss must make it newly so.
        var newlyBroken = services.Any(s => s.Replicas.Count(healthy.Contains) >= s.Capacity && s.Replicas.Count(r => healthy.Contains(r) && !lost(r)) < s.Capacity);
        return after && (newlyBroken || !before);
    }
}
