using BenchmarkDotNet.Attributes;
using Bulwark.Trading;
using Polly;
using Polly.CircuitBreaker;

namespace Bulwark.Benchmarks;

/// <summary>
/// One <see cref="RiskGate.Check"/> with every check enabled, 100 accounts x 1,000 symbols, working orders
/// present; each call is a new order that passes every check and is reserved. The gate is rebuilt before
/// each iteration (outside the measurement) so the order table never fills. A Polly v8 circuit breaker
/// <c>Execute</c> is the reference point for a generic breaker.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 15, invocationCount: InvocationsPerIteration)]
public class RiskGateBenchmarks
{
    private const int InvocationsPerIteration = 1 << 19;

    private RiskGate _gate = null!;
    private ResiliencePipeline _breaker = null!;
    private OrderWalk _orders;
    private OrderWalk _scattered;

    [GlobalSetup]
    public void GlobalSetup()
    {
        _breaker = new ResiliencePipelineBuilder().AddCircuitBreaker(new CircuitBreakerStrategyOptions()).Build();
    }

    [IterationSetup(Targets = [nameof(RiskGateCheck), nameof(RiskGateCheckScatteredIds)])]
    public void IterationSetup()
    {
        _gate = RiskGateSetup.Create(1 << 21, out var firstId);
        _orders = new OrderWalk(firstId);
        _scattered = new OrderWalk(firstId, scatterIds: true);
    }

    [IterationCleanup(Targets = [nameof(RiskGateCheck), nameof(RiskGateCheckScatteredIds)])]
    public void IterationCleanup()
    {
        // Every measured check must have passed every check: a rejection would measure the wrong path.
        var rejected = _gate.DrainRejections();
        if (rejected.Count != 0)
        {
            throw new InvalidOperationException("checks rejected: " + string.Join(", ", rejected));
        }
    }

    [Benchmark(Baseline = true)]
    public RiskDecision RiskGateCheck()
    {
        var order = _orders.Next();
        return _gate.Check(in order);
    }

    /// <summary>
    /// The same check with client order ids scattered over the whole id space (a bijective mix of a
    /// counter), so each order lands in a cold slot of the order table: the cache-miss worst case.
    /// </summary>
    [Benchmark]
    public RiskDecision RiskGateCheckScatteredIds()
    {
        var order = _scattered.Next();
        return _gate.Check(in order);
    }

    [Benchmark]
    public int PollyCircuitBreakerExecute() => _breaker.Execute(static () => 42);
}
