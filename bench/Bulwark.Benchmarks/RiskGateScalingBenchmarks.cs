using BenchmarkDotNet.Attributes;
using Bulwark.Trading;

namespace Bulwark.Benchmarks;

/// <summary>
/// Throughput of <see cref="RiskGate.Check"/> on one and on two threads (each thread its own half of the
/// accounts; the firm-wide throttle is shared by both, as in production). Reported time is per check.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
[SimpleJob(launchCount: 1, warmupCount: 2, iterationCount: 10, invocationCount: 4, id: "Scaling")]
public class RiskGateScalingBenchmarks
{
    private const int ChecksPerThread = 1 << 17;

    private RiskGate _gate = null!;
    private long _firstId;
    private Thread[] _workers = [];
    private Barrier? _start;
    private Barrier? _done;
    private volatile bool _stop;
    private long _idBase;
    private int _rejected;

    [Params(1, 2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void GlobalSetup()
    {
        _start = new Barrier(Threads + 1);
        _done = new Barrier(Threads + 1);
        _workers = new Thread[Threads];
        for (var t = 0; t < Threads; t++)
        {
            var thread = t;
            _workers[t] = new Thread(() => Work(thread)) { IsBackground = true };
            _workers[t].Start();
        }
    }

    [GlobalCleanup]
    public void GlobalCleanup()
    {
        _stop = true;
        _start?.SignalAndWait();
        foreach (var w in _workers)
        {
            w.Join();
        }

        if (_rejected != 0)
        {
            throw new InvalidOperationException($"{_rejected} checks rejected: the benchmark measured the wrong path");
        }
    }

    [IterationSetup]
    public void IterationSetup()
    {
        _gate = RiskGateSetup.Create(1 << 21, out _firstId);
        _idBase = _firstId;
    }

    [Benchmark(OperationsPerInvoke = ChecksPerThread * 2)]
    public void ChecksPerCall()
    {
        // Same number of checks per invocation for both runs, so the per-check times compare directly:
        // one thread does both halves; two threads do one half each.
        var rounds = Threads == 1 ? 2 : 1;
        for (var r = 0; r < rounds; r++)
        {
            _start!.SignalAndWait();
            _done!.SignalAndWait();
            _idBase += ChecksPerThread * Threads;
        }
    }

    private void Work(int thread)
    {
        while (true)
        {
            _start!.SignalAndWait();
            if (_stop)
            {
                return;
            }

            var gate = _gate;
            var id = _idBase + (thread * (long)ChecksPerThread);
            var accounts = RiskGateSetup.Accounts / Threads;
            var firstAccount = thread * accounts;
            int account = 0, symbol = thread * 500, side = 0, rejected = 0;
            for (var i = 0; i < ChecksPerThread; i++)
            {
                if (++account == accounts)
                {
                    account = 0;
                    symbol = symbol + 1 == RiskGateSetup.Symbols ? 0 : symbol + 1;
                }

                side ^= 1;
                var order = new OrderRequest(id++, firstAccount + account, 0, symbol, (OrderSide)side, 1, RiskGateSetup.Price);
                if (!gate.Check(in order).IsAccepted)
                {
                    rejected++;
                }
            }

            Interlocked.Add(ref _rejected, rejected);
            _done!.SignalAndWait();
        }
    }
}
