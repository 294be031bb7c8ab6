using Ferry.Jobs.TestWorker;
using Microsoft.Extensions.DependencyInjection;

namespace Ferry.Jobs.Tests;

/// <summary>
/// Integration tier: the pipeline's worker runs in a separate process and is killed with SIGKILL at a chosen point; a
/// second worker finishes the job. The in-process Ferry stays up. Locks last 5 s so that the killed worker's locks
/// expire quickly.
/// </summary>
public class PipelineCrashTests(FerryFixture ferry) : IClassFixture<FerryFixture>
{
    private const int N = 1000;
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(90);

    [Theory]
    [InlineData("progress", 300)]      // mid-stage: 300 of stage 0's outcomes recorded, tasks of stage 0 running
    [InlineData("dispatching", 300)]   // mid-transition: 300 of stage 1's 1000 tasks sent, the transition not recorded
    [InlineData("dispatching", N)]     // all of stage 1 sent, the transition not recorded
    [InlineData("recorded", 0)]        // the transition recorded, the events that completed stage 0 not yet completed
    public async Task WorkerKilled_AtACrashPoint_AnotherWorkerFinishesTheJob_WithOneTransitionPerStage(string crashPoint, int count)
    {
        var pipeline = PipelineQueues.NewName("crash");
        await PipelineQueues.CreateAsync(ferry, pipeline, lockDuration: TimeSpan.FromSeconds(5));
        await using var api = await ferry.StartHostAsync(_ => { });
        string jobId;
        await using (var first = await PipelineWorkerProcess.StartAsync(ferry.ConnectionString, pipeline, crashPoint, count))
        {
            jobId = await api.Services.GetRequiredService<IPipelineClient>().StartAsync(pipeline, new HelloInput(N));
            await first.WaitForLineAsync(l => l == "CRASH-POINT", Long);
            await first.KillAsync();
        }

        await using var second = await PipelineWorkerProcess.StartAsync(ferry.ConnectionString, pipeline);
        await second.WaitForLineAsync(l => l.StartsWith($"EVENT Completed {jobId} ", StringComparison.Ordinal), Long);

        var state = await PipelineQueues.StateAsync(ferry, pipeline, jobId);
        Assert.Equal("completed", state.GetProperty("status").GetString());
        // Exactly one transition per stage: the log has one entry per stage, each with every task counted once.
        var stages = state.GetProperty("stages").EnumerateArray().ToArray();
        Assert.Equal(["greet", "reply"], stages.Select(s => s.GetProperty("name").GetString()));
        Assert.All(stages, s => Assert.Equal((N, N, 0), (s.GetProperty("tasks").GetInt32(), s.GetProperty("succeeded").GetInt32(),
            s.GetProperty("failed").GetInt32())));
        // No result lost or counted twice: Σ 2i over every task.
        Assert.Equal((long)N * (N - 1), state.GetProperty("result").GetProperty("aggregate").GetInt64());
        await FerryFixture.EventuallyAsync(() => HelloWorld.Queues(pipeline).All(q => ferry.Active(q).Count == 0), "every message completed");
        PipelineQueues.AssertDrained(ferry, pipeline);
        await api.StopAsync();
    }
}
