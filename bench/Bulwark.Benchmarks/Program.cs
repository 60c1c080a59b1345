using BenchmarkDotNet.Running;

// `restart-latency ROUNDS TARGET [REPORT]` is a measurement with real processes (bench/recovery/measure.sh), not a BenchmarkDotNet run.
if (args is ["restart-latency", .. var rest])
{
    return await Bulwark.Benchmarks.Recovery.RestartLatency.RunAsync(rest);
}

BenchmarkSwitcher.FromAssembly(typeof(Bulwark.Benchmarks.RiskGateBenchmarks).Assembly).Run(args);
return 0;
