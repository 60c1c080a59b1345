using BenchmarkDotNet.Attributes;
using Bulwark.Trading;
using Bulwark.Trading.Journal;

namespace Bulwark.Benchmarks.Trading;

/// <summary>
/// <see cref="RiskGate.Check"/> with a trading journal attached (on SQLite, <c>synchronous=FULL</c>, its writer running):
/// the check must stay allocation-free and journal-free. <c>CheckThenRecordAccepted</c> adds the engine's
/// <see cref="TradingJournal.RecordAccepted"/> (one lock-free enqueue) to show its cost next to the check's. The same
/// universe as <see cref="RiskGateBenchmarks"/>; a short run (1 launch, 3 warm-up and 10 measured iterations).
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 10, invocationCount: InvocationsPerIteration)]
public class RiskGateJournalBenchmarks
{
    private const int InvocationsPerIteration = 1 << 16;

    private string _directory = null!;
    private RiskGate _gate = null!;
    private SqliteTradingJournalStore _store = null!;
    private TradingJournal _journal = null!;
    private OrderWalk _orders;

    [IterationSetup]
    public void IterationSetup()
    {
        _directory = Directory.CreateTempSubdirectory("bulwark-bench-journal-").FullName;
        _gate = RiskGateSetup.Create(1 << 21, out var firstId);
        _orders = new OrderWalk(firstId);
        _store = SqliteTradingJournalStore.OpenAsync(Path.Combine(_directory, "journal.db")).GetAwaiter().GetResult();
        _journal = TradingJournal.StartAsync(_gate, _store, new TradingJournalOptions { QueueCapacity = TradingJournalOptions.MaximumQueueCapacity }).GetAwaiter().GetResult();
    }

    [IterationCleanup]
    public void IterationCleanup()
    {
        _journal.FlushAsync().GetAwaiter().GetResult();
        var rejected = _gate.DrainRejections();
        var held = _journal.HoldReason;
        _journal.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _store.DisposeAsync().AsTask().GetAwaiter().GetResult();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);

        // Every measured check must have passed: a rejection (the journal holding, say) would measure the wrong path.
        if (rejected.Count != 0 || held is not null)
        {
            throw new InvalidOperationException("checks rejected: " + string.Join(", ", rejected) + "; journal: " + held);
        }
    }

    [Benchmark(Baseline = true)]
    public RiskDecision CheckWithJournalAttached()
    {
        var order = _orders.Next();
        return _gate.Check(in order);
    }

    [Benchmark]
    public bool CheckThenRecordAccepted()
    {
        var order = _orders.Next();
        var decision = _gate.Check(in order);
        return _journal.RecordAccepted(in order, decision);
    }
}
