using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;

namespace Ferry.Jobs.Tests;

public class DisposalTests(FerryFixture ferry) : IClassFixture<FerryFixture>
{
    /// <summary>
    /// <c>host.Run()</c> blocks on a task that stops and disposes the host; closing must not wait for replies it cannot
    /// see then (it used to wait out AMQPNetLite's close timeouts, 7 s).
    /// </summary>
    [Fact]
    public async Task BlockingDisposal_IsPrompt()
    {
        var queue = await ferry.CreateQueueAsync();
        var handled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var host = await ferry.StartHostAsync(o => o.AddJob<ScoringJob, DelegateHandler<ScoringJob>>(queue),
            s => s.AddSingleton(new DelegateHandler<ScoringJob>((_, _) =>
            {
                handled.TrySetResult();
                return Task.CompletedTask;
            })));
        await host.Services.GetRequiredService<IJobClient>().SubmitAsync(new ScoringJob("a", 1));
        await handled.Task.WaitAsync(FerryFixture.Timeout);
        await host.StopAsync();

        var elapsed = await Task.Run(() =>
        {
            var stopwatch = Stopwatch.StartNew();
#pragma warning disable xUnit1031 // blocking on purpose, as host.Run() does
            host.DisposeAsync().AsTask().GetAwaiter().GetResult();
#pragma warning restore xUnit1031
            return stopwatch.Elapsed;
        });
        // The regression this guards against is AMQPNetLite's close timeouts (7 s). Here disposal takes 0.9-1.4 s on this
        // 2-core VM, and more under the full suite's load: blocking a pool thread on it starves the pool until it injects
        // another thread (with DOTNET_ThreadPool_ForceMinWorkerThreads=8 it takes 18 ms). The bound sits between the two.
        Assert.True(elapsed < TimeSpan.FromSeconds(4), $"disposal took {elapsed}");
    }
}
