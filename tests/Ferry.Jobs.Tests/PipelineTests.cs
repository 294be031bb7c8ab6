using System.Diagnostics;
using System.Text.Json;
using Ferry.Jobs.TestWorker;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace Ferry.Jobs.Tests;

public class PipelineTests(FerryFixture ferry, ITestOutputHelper output) : IClassFixture<FerryFixture>
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(60);

    private async Task<(TestHost Host, PipelineProbe Probe)> StartAsync(string pipeline, PipelineFailurePolicy onFailure = PipelineFailurePolicy.FailJob,
        HelloWorldFaults? faults = null, int concurrency = 8)
    {
        var probe = new PipelineProbe();
        var host = await ferry.StartHostAsync(options => HelloWorld.Register(options, pipeline, concurrency, onFailure), services =>
        {
            services.AddSingleton<IPipelineObserver>(probe);
            if (faults is not null)
                services.AddSingleton(faults);
        });
        return (host, probe);
    }

    [Fact]
    public async Task HelloWorld_TwoStagesOf1000Tasks_CompletesWithOneTransitionPerStage()
    {
        var pipeline = PipelineQueues.NewName("hello");
        await PipelineQueues.CreateAsync(ferry, pipeline);
        var (host, probe) = await StartAsync(pipeline);
        await using var _ = host;

        var jobId = await host.Services.GetRequiredService<IPipelineClient>().StartAsync(pipeline, new HelloInput(1000), "job-1");
        var finished = await probe.FinishedAsync(jobId, Long);

        Assert.Equal(PipelineEventKind.Completed, finished.Kind);
        var result = finished.Result!.Value;
        Assert.Equal(1000L * 999, result.GetProperty("aggregate").GetInt64());
        Assert.Equal(1000, result.GetProperty("succeeded").GetInt32());
        Assert.Equal(1, probe.Count(jobId, PipelineEventKind.StageStarted, 0));
        Assert.Equal(1, probe.Count(jobId, PipelineEventKind.StageStarted, 1));
        Assert.Equal(1, probe.Count(jobId, PipelineEventKind.StageCompleted, 0));
        Assert.Equal(1, probe.Count(jobId, PipelineEventKind.StageCompleted, 1));
        Assert.Equal(1, probe.Count(jobId, PipelineEventKind.Completed));
        Assert.Equal(1000, probe.Events.Where(e => e.Kind == PipelineEventKind.TasksDispatched && e.StageIndex == 1).Max(e => e.Dispatched));

        var state = await PipelineQueues.StateAsync(ferry, pipeline, jobId);
        Assert.Equal("completed", state.GetProperty("status").GetString());
        var stages = state.GetProperty("stages").EnumerateArray().ToArray();
        Assert.Equal(["greet", "reply"], stages.Select(s => s.GetProperty("name").GetString()));
        Assert.All(stages, s => Assert.Equal(1000, s.GetProperty("tasks").GetInt32()));
        Assert.All(stages, s => Assert.Equal(1000, s.GetProperty("succeeded").GetInt32()));
        await FerryFixture.EventuallyAsync(() => HelloWorld.Queues(pipeline).All(q => ferry.Active(q).Count == 0), "every message completed");
        PipelineQueues.AssertDrained(ferry, pipeline);
        await host.StopAsync();
    }

    [Fact]
    public async Task FailedTasks_UnderFailJob_FailTheJobOnceTheStageHasFannedIn()
    {
        var pipeline = PipelineQueues.NewName("failjob");
        await PipelineQueues.CreateAsync(ferry, pipeline);
        // Every tenth greeting fails on both attempts (MaxAttempts 2); task 5 fails permanently at once.
        var faults = new HelloWorldFaults(i => i == 5 ? new PermanentJobException("no greeting for 5")
            : i % 10 == 3 ? new InvalidOperationException($"greeting {i} failed") : null);
        var (host, probe) = await StartAsync(pipeline, PipelineFailurePolicy.FailJob, faults);
        await using var _ = host;

        var jobId = await host.Services.GetRequiredService<IPipelineClient>().StartAsync(pipeline, new HelloInput(100));
        var finished = await probe.FinishedAsync(jobId, Long);

        Assert.Equal(PipelineEventKind.Failed, finished.Kind);
        Assert.Equal("Stage 'greet': 11 of 100 tasks failed.", finished.Error);
        Assert.Equal(0, probe.Count(jobId, PipelineEventKind.StageStarted, 1));
        var state = await PipelineQueues.StateAsync(ferry, pipeline, jobId);
        Assert.Equal("failed", state.GetProperty("status").GetString());
        Assert.Single(state.GetProperty("stages").EnumerateArray());
        var failures = state.GetProperty("failures").EnumerateArray().ToDictionary(f => f.GetProperty("task").GetInt32());
        Assert.Equal([3, 5, 13, 23, 33, 43, 53, 63, 73, 83, 93], failures.Keys.Order());
        Assert.Equal("System.InvalidOperationException", failures[13].GetProperty("reason").GetString());
        Assert.Equal("greeting 13 failed", failures[13].GetProperty("description").GetString());
        Assert.Equal("Ferry.Jobs.PermanentJobException", failures[5].GetProperty("reason").GetString());
        await FerryFixture.EventuallyAsync(() => PipelineQueues.DeadLetterCount(ferry, pipeline + "-greet") == 11, "the failed tasks dead-lettered");
        Assert.Empty(ferry.Active(pipeline + "-reply"));
        await host.StopAsync();
    }

    [Fact]
    public async Task FailedTasks_UnderContinueWithFailures_NextStageRunsWithTheSuccessfulResults()
    {
        var pipeline = PipelineQueues.NewName("continue");
        await PipelineQueues.CreateAsync(ferry, pipeline);
        var faults = new HelloWorldFaults(i => i % 10 == 3 ? new InvalidOperationException($"greeting {i} failed") : null);
        var (host, probe) = await StartAsync(pipeline, PipelineFailurePolicy.ContinueWithFailures, faults);
        await using var _ = host;

        var jobId = await host.Services.GetRequiredService<IPipelineClient>().StartAsync(pipeline, new HelloInput(100));
        var finished = await probe.FinishedAsync(jobId, Long);

        Assert.Equal(PipelineEventKind.Completed, finished.Kind);
        var expected = Enumerable.Range(0, 100).Where(i => i % 10 != 3).Sum(i => 2L * i);
        Assert.Equal(expected, finished.Result!.Value.GetProperty("aggregate").GetInt64());
        var stages = (await PipelineQueues.StateAsync(ferry, pipeline, jobId)).GetProperty("stages").EnumerateArray().ToArray();
        Assert.Equal((100, 90, 10), (stages[0].GetProperty("tasks").GetInt32(), stages[0].GetProperty("succeeded").GetInt32(),
            stages[0].GetProperty("failed").GetInt32()));
        Assert.Equal((90, 90, 0), (stages[1].GetProperty("tasks").GetInt32(), stages[1].GetProperty("succeeded").GetInt32(),
            stages[1].GetProperty("failed").GetInt32()));
        await FerryFixture.EventuallyAsync(() => PipelineQueues.DeadLetterCount(ferry, pipeline + "-greet") == 10, "the failed tasks dead-lettered");
        await host.StopAsync();
    }

    [Fact]
    public async Task EmptyFanOut_MovesThroughEveryStageAtOnce()
    {
        var pipeline = PipelineQueues.NewName("empty");
        await PipelineQueues.CreateAsync(ferry, pipeline);
        var (host, probe) = await StartAsync(pipeline);
        await using var _ = host;

        var jobId = await host.Services.GetRequiredService<IPipelineClient>().StartAsync(pipeline, new HelloInput(0));
        var finished = await probe.FinishedAsync(jobId, Long);

        Assert.Equal(PipelineEventKind.Completed, finished.Kind);
        Assert.Equal(0, finished.Result!.Value.GetProperty("taskCount").GetInt32());
        Assert.Equal(2, (await PipelineQueues.StateAsync(ferry, pipeline, jobId)).GetProperty("stages").GetArrayLength());
        await host.StopAsync();
    }

    [Fact]
    public async Task RepeatedStart_WithTheSameJobId_RunsTheJobOnce()
    {
        var pipeline = PipelineQueues.NewName("repeat");
        await PipelineQueues.CreateAsync(ferry, pipeline);
        var (host, probe) = await StartAsync(pipeline);
        await using var _ = host;
        var client = host.Services.GetRequiredService<IPipelineClient>();

        await client.StartAsync(pipeline, new HelloInput(10), "same");
        await client.StartAsync(pipeline, new HelloInput(10), "same");
        await probe.FinishedAsync("same", Long);
        // After the duplicate detection window too: a start for a job that has state is ignored by the coordinator.
        var late = PipelineMessages.StartEvent("same", JsonSerializer.SerializeToUtf8Bytes(new HelloInput(10)));
        late.Properties.MessageId = "same/start-after-the-window";
        await host.Services.GetRequiredService<EntitySenders>().SendAsync(pipeline + "-control", late, CancellationToken.None);
        await FerryFixture.EventuallyAsync(() => ferry.Active(pipeline + "-control").Count == 0, "the late start taken and completed");

        Assert.Equal(1, probe.Count("same", PipelineEventKind.Started));
        Assert.Equal(1, probe.Count("same", PipelineEventKind.StageStarted, 0));
        await host.StopAsync();
    }

    [Fact]
    public async Task ManySmallJobs_AllComplete_WithOneTransitionPerStageEach()
    {
        var pipeline = PipelineQueues.NewName("many");
        await PipelineQueues.CreateAsync(ferry, pipeline);
        var (host, probe) = await StartAsync(pipeline, concurrency: 16);
        await using var _ = host;
        var client = host.Services.GetRequiredService<IPipelineClient>();
        const int jobs = 200;

        var clock = Stopwatch.StartNew();
        var ids = await Task.WhenAll(Enumerable.Range(0, jobs).Select(i => client.StartAsync(pipeline, new HelloInput(10), $"small-{i}")));
        var finished = await Task.WhenAll(ids.Select(id => probe.FinishedAsync(id, Long)));
        clock.Stop();

        Assert.All(finished, f => Assert.Equal(PipelineEventKind.Completed, f.Kind));
        Assert.All(finished, f => Assert.Equal(90L, f.Result!.Value.GetProperty("aggregate").GetInt64()));
        foreach (var id in ids)
            Assert.Equal(2, (await PipelineQueues.StateAsync(ferry, pipeline, id)).GetProperty("stages").GetArrayLength());
        output.WriteLine($"{jobs} jobs of 2 × 10 tasks in {clock.Elapsed.TotalSeconds:F1} s: {jobs / clock.Elapsed.TotalSeconds:F1} jobs/s");
        await host.StopAsync();
    }

    /// <summary>10,000 tasks per stage; FERRY_PIPELINE_FANOUT sets another count for a manual run (docs/jobs.md has 100,000).</summary>
    [Fact]
    public async Task FanOut_10000Tasks_FansInEveryResult()
    {
        var pipeline = PipelineQueues.NewName("tenk");
        await PipelineQueues.CreateAsync(ferry, pipeline);
        var (host, probe) = await StartAsync(pipeline, concurrency: 32);
        await using var _ = host;
        var n = int.TryParse(Environment.GetEnvironmentVariable("FERRY_PIPELINE_FANOUT"), out var count) ? count : 10_000;

        var clock = Stopwatch.StartNew();
        var jobId = await host.Services.GetRequiredService<IPipelineClient>().StartAsync(pipeline, new HelloInput(n));
        var finished = await probe.FinishedAsync(jobId, TimeSpan.FromSeconds(60 + n / 100));
        clock.Stop();

        Assert.Equal(PipelineEventKind.Completed, finished.Kind);
        Assert.Equal((long)n * (n - 1), finished.Result!.Value.GetProperty("aggregate").GetInt64());
        var stages = (await PipelineQueues.StateAsync(ferry, pipeline, jobId)).GetProperty("stages").EnumerateArray().ToArray();
        Assert.All(stages, s => Assert.Equal(n, s.GetProperty("succeeded").GetInt32()));
        output.WriteLine($"{2 * n} tasks over two stages in {clock.Elapsed.TotalSeconds:F1} s: {2 * n / clock.Elapsed.TotalSeconds:F0} tasks/s");
        foreach (var stage in new[] { 0, 1 })
        {
            var started = probe.Events.First(e => e.Kind == PipelineEventKind.StageStarted && e.StageIndex == stage).At;
            var completed = probe.Events.First(e => e.Kind == PipelineEventKind.StageCompleted && e.StageIndex == stage).At;
            var dispatched = probe.Events.Where(e => e.Kind == PipelineEventKind.TasksDispatched && e.StageIndex == stage).ToArray();
            output.WriteLine($"stage {stage}: dispatch {(dispatched[^1].At - dispatched[0].At).TotalSeconds:F1} s, started→fanned in " +
                $"{(completed - started).TotalSeconds:F1} s, {probe.Count(jobId, PipelineEventKind.Progress, stage)} state writes");
        }
        await host.StopAsync();
    }
}
