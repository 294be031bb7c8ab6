using Ferry.Jobs;
using Ferry.Jobs.TestWorker;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

// dotnet Ferry.Jobs.TestWorker.dll <connection string> <pipeline> [<crash point> [<count>]]
// Crash points (stage 1 = "reply"): progress N (stage 0 has N outcomes recorded), dispatching N (N of stage 1's tasks
// sent, the transition not recorded; N = all of them: sent, not recorded), recorded (stage 1 recorded, the events that
// completed stage 0 not yet completed). At the point the worker prints "CRASH-POINT" and waits to be killed.
if (args.Length < 2)
{
    Console.Error.WriteLine("usage: Ferry.Jobs.TestWorker <connection string> <pipeline> [<crash point> [<count>]]");
    return 2;
}
var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
builder.Logging.ClearProviders();
builder.Services.AddFerryJobs(options =>
{
    options.ConnectionString = args[0];
    HelloWorld.Register(options, args[1]);
});
builder.Services.AddSingleton<IPipelineObserver>(new CrashPointObserver(args.Length > 2 ? args[2] : null,
    args.Length > 3 ? int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture) : 0));
using var host = builder.Build();
await host.StartAsync();
Console.WriteLine("READY");
await host.WaitForShutdownAsync();
return 0;

/// <summary>Prints lifecycle events, and stops the coordinator for good at the crash point.</summary>
internal sealed class CrashPointObserver(string? point, int count) : IPipelineObserver
{
    private int _reached;

    public async ValueTask OnPipelineEventAsync(PipelineEvent e, CancellationToken cancellationToken)
    {
        if (e.Kind is PipelineEventKind.Completed or PipelineEventKind.Failed or PipelineEventKind.StageStarted or PipelineEventKind.StageCompleted)
            Console.WriteLine($"EVENT {e.Kind} {e.JobId} {e.StageIndex} {e.Succeeded} {e.Failed}");
        var hit = point switch
        {
            "progress" => e.Kind == PipelineEventKind.Progress && e.StageIndex == 0 && e.Succeeded + e.Failed >= count,
            "dispatching" => e.Kind == PipelineEventKind.TasksDispatched && e.StageIndex == 1 && e.Dispatched >= count,
            "recorded" => e.Kind == PipelineEventKind.StageStarted && e.StageIndex == 1,
            _ => false,
        };
        if (hit && Interlocked.Exchange(ref _reached, 1) == 0)
        {
            Console.WriteLine("CRASH-POINT");
            await Task.Delay(Timeout.Infinite, CancellationToken.None);
        }
    }
}
