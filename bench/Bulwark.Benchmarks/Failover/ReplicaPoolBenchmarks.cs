using BenchmarkDotNet.Attributes;
using Bulwark.Failover.Routing;

namespace Bulwark.Benchmarks.Failover;

/// <summary>
/// <see cref="ReplicaPool.TrySelect"/>: the choice of replica for the next order, for a load-balanced group of 8
/// replicas with mixed health, weights and latencies, and for an active-active group of 8. One atomic increment and
/// two array reads; no lock, no allocation.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 15)]
public class ReplicaPoolBenchmarks
{
    private ReplicaPool _loadBalanced = null!;
    private ReplicaPool _activeActive = null!;

    [GlobalSetup]
    public void Setup()
    {
        var replicas = Enumerable.Range(0, 8).Select(i => new ReplicaEndpoint($"r{i}", $"http://10.0.0.{i}:8080", 1 + (i % 3))).ToList();
        _loadBalanced = new ReplicaPool("gateways", FailoverStrategy.LoadBalanced, replicas);
        _activeActive = new ReplicaPool("engines", FailoverStrategy.ActiveActive, replicas);
        for (var i = 0; i < replicas.Count; i++)
        {
            var state = i == 7 ? SafetyState.Failed : i % 4 == 3 ? SafetyState.Degraded : SafetyState.Healthy;
            _loadBalanced.ReportHealth($"r{i}", state);
            _activeActive.ReportHealth($"r{i}", state);
            _loadBalanced.ReportLatency($"r{i}", TimeSpan.FromMilliseconds(1 + i));
        }
    }

    [Benchmark]
    public bool LoadBalancedSelect() => _loadBalanced.TrySelect(out _);

    [Benchmark]
    public bool ActiveActiveSelect() => _activeActive.TrySelect(out _);
}
