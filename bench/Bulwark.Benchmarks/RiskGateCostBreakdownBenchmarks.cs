using BenchmarkDotNet.Attributes;
using Bulwark.Trading;

namespace Bulwark.Benchmarks;

/// <summary>
/// Where the time of one check goes: the same accepted check as <see cref="RiskGateBenchmarks.RiskGateCheck"/>
/// with groups of optional checks switched off. Kill switch, trading state, validity and the order table are
/// always on.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 10, invocationCount: 1 << 19)]
public class RiskGateCostBreakdownBenchmarks
{
    private RiskGate _gate = null!;
    private OrderWalk _orders;

    public enum CheckSet
    {
        All,
        NoDuplicateContent,
        NoThrottles,
        NoAccountTotals,
        AlwaysOnOnly,
    }

    [Params(CheckSet.All, CheckSet.NoDuplicateContent, CheckSet.NoThrottles, CheckSet.NoAccountTotals, CheckSet.AlwaysOnOnly)]
    public CheckSet Checks { get; set; }

    [IterationSetup]
    public void IterationSetup()
    {
        var checks = Checks switch
        {
            CheckSet.NoDuplicateContent => RiskChecks.All & ~RiskChecks.DuplicateOrderContent,
            CheckSet.NoThrottles => RiskChecks.All & ~RiskChecks.MessageThrottles,
            CheckSet.NoAccountTotals => RiskChecks.All & ~(RiskChecks.ExposureLimits | RiskChecks.WorkingOrderLimits),
            CheckSet.AlwaysOnOnly => RiskChecks.None,
            _ => RiskChecks.All,
        };
        _gate = RiskGateSetup.Create(1 << 21, out var firstId, checks);
        _orders = new OrderWalk(firstId);
    }

    [Benchmark]
    public RiskDecision Check()
    {
        var order = _orders.Next();
        return _gate.Check(in order);
    }
}
