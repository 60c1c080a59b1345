using BenchmarkDotNet.Running;

BenchmarkSwitcher.FromAssembly(typeof(Bulwark.Benchmarks.RiskGateBenchmarks).Assembly).Run(args);
