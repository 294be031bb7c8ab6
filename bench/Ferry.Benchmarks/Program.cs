using BenchmarkDotNet.Running;

// dotnet run -c Release --project bench/Ferry.Benchmarks -- --filter '*'                        all, default job
// dotnet run -c Release --project bench/Ferry.Benchmarks -- --filter '*Codec*' --job short       one class, quicker
// dotnet run -c Release --project bench/Ferry.Benchmarks -- --filter '*' --job dry --inProcess   smoke: each once
// Reports go under bin/…/BenchmarkDotNet.Artifacts unless --artifacts says otherwise (never into the work tree).
if (!args.Contains("--artifacts"))
    args = [.. args, "--artifacts", Path.Combine(AppContext.BaseDirectory, "BenchmarkDotNet.Artifacts")];
var summaries = BenchmarkSwitcher.FromAssembly(typeof(Ferry.Benchmarks.CodecBenchmarks).Assembly).Run(args);
return summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success)) ? 1 : 0;
