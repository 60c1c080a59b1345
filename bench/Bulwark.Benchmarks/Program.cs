using BenchmarkDotNet.Running;

// `restart-latency ROUNDS TARGET [REPORT]` is a measurement with real processes (bench/recovery/measure.sh), not a BenchmarkDotNet run.
if (args is ["restart-latency", .. var rest])
{
    return await Bulwark.Benchmarks.Recovery.RestartLatency.RunAsync(rest);
}

// `journal-throughput STORE FILLS WHERE` measures the trading journal on a real store (bench/journal/measure.sh).
if (args is ["journal-throughput", .. var journal])
{
    return await Bulwark.Benchmarks.Trading.JournalThroughput.RunAsync(journal);
}

BenchmarkSwitcher.FromAssembly(typeof(Bulwark.Benchmarks.RiskGateBenchmarks).Assembly).Run(args);
return 0;
