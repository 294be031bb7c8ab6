// Seed 004's task engine on an embedded Ferry: the hello_world job as a two-stage pipeline, and the per-message and
// batched submit paths side by side.
//   dotnet run --project samples/TaskEngine                    runs hello_world jobs of 100 tasks every 5 s until Ctrl+C
//   dotnet run --project samples/TaskEngine -- --demo          hello_world with 10,000 tasks, then the submit comparison; exits 0
//   dotnet run --project samples/TaskEngine -- --demo --tasks 1000 --compare 500     smaller runs
using TaskEngine;

int Option(string name, int fallback) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1]) : fallback;

if (args.Contains("--demo"))
    return await TaskEngineDemo.RunAsync(Console.Out, Option("--tasks", 10_000), Option("--compare", 10_000)) is { Succeeded: true } ? 0 : 1;

await using var engine = await TaskEngineApp.StartAsync();
Console.WriteLine($"Task engine on Ferry {engine.Ferry.ConnectionString()}; a hello_world job of 100 tasks every 5 s. Ctrl+C to stop.");
using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };
try
{
    while (!stop.IsCancellationRequested)
    {
        var run = await engine.RunHelloWorldAsync(100, TimeSpan.FromMinutes(1));
        Console.WriteLine($"{run.JobId}: {run.Outcome.Kind}, aggregate {run.Aggregate} in {run.Elapsed.TotalMilliseconds:F0} ms");
        await Task.Delay(TimeSpan.FromSeconds(5), stop.Token);
    }
}
catch (OperationCanceledException)
{
}
return 0;
