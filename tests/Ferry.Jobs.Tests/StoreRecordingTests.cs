using Ferry.Broker;
using Ferry.Jobs.Store;
using Microsoft.Extensions.DependencyInjection;

namespace Ferry.Jobs.Tests;

/// <summary>The worker and the client record job status into a configured store; without one nothing is recorded.</summary>
public sealed class StoreRecordingTests(FerryFixture ferry) : IClassFixture<FerryFixture>, IDisposable
{
    private static readonly RetryPolicy FastRetry = new() { MaxAttempts = 2, InitialDelay = TimeSpan.FromMilliseconds(100), Jitter = 0 };

    private readonly string _path = Path.Combine(Path.GetTempPath(), $"ferry-jobs-{Guid.NewGuid():N}.db");

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        foreach (var file in new[] { _path, _path + "-wal", _path + "-shm" })
            File.Delete(file);
    }

    private Task<TestHost> StartAsync(string queue, Func<JobContext<ScoringJob>, CancellationToken, Task> handle, OutcomeProbe probe) =>
        ferry.StartHostAsync(options =>
        {
            options.UseSqliteStore(_path);
            options.OnOutcome = probe.Record;
            options.AddJob<ScoringJob, DelegateHandler<ScoringJob>>(queue, retry: FastRetry);
        }, services => services.AddSingleton(new DelegateHandler<ScoringJob>(handle)));

    private static async Task<JobSummary> RecordedAsync(TestHost host, string jobId)
    {
        var store = host.Services.GetRequiredService<IJobStore>();
        await store.FlushAsync();
        return (await store.GetJobAsync(jobId))?.Job ?? throw new InvalidOperationException($"job {jobId} was not recorded");
    }

    [Fact]
    public async Task SubmitAndHandle_RecordsQueued_Running_Succeeded()
    {
        var queue = await ferry.CreateQueueAsync();
        var probe = new OutcomeProbe();
        var running = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var host = await StartAsync(queue, async (_, _) =>
        {
            running.TrySetResult();
            await release.Task;
        }, probe);

        var receipt = await host.Services.GetRequiredService<IJobClient>().SubmitJobAsync(new ScoringJob("a", 1), "job-1");
        Assert.Equal(new JobReceipt("job-1", queue, QueuedLocally: false), receipt);

        await running.Task.WaitAsync(FerryFixture.Timeout);
        var during = await RecordedAsync(host, "job-1");
        Assert.Equal(JobState.Running, during.State);
        Assert.Equal(1, during.Attempts);
        Assert.Equal(2, during.MaxAttempts);
        Assert.Equal(nameof(ScoringJob), during.Type);
        Assert.Equal(queue, during.Queue);
        Assert.NotNull(during.StartedAt);

        release.SetResult();
        await probe.WaitForAsync("job-1", JobOutcomeKind.Completed);
        var done = await RecordedAsync(host, "job-1");
        Assert.Equal(JobState.Succeeded, done.State);
        Assert.NotNull(done.FinishedAt);
        Assert.True(done.FinishedAt >= done.StartedAt);
        var stored = await host.Services.GetRequiredService<IJobStore>().GetStoredJobAsync("job-1");
        Assert.Equal("{\"assessmentId\":\"a\",\"questions\":1}", System.Text.Encoding.UTF8.GetString(stored!.Payload.Span));
        await host.StopAsync();
    }

    [Fact]
    public async Task FailingHandler_RecordsRetrying_ThenDeadLettered_WithTheError()
    {
        var queue = await ferry.CreateQueueAsync();
        var probe = new OutcomeProbe();
        await using var host = await StartAsync(queue, (context, _) => throw new InvalidOperationException($"bad assessment on attempt {context.Attempt}"), probe);

        var jobId = await host.Services.GetRequiredService<IJobClient>().SubmitAsync(new ScoringJob("a", 1));
        await probe.WaitForAsync(jobId, JobOutcomeKind.Retrying);
        await probe.WaitForAsync(jobId, JobOutcomeKind.DeadLettered);

        var job = await RecordedAsync(host, jobId);
        Assert.Equal(JobState.DeadLettered, job.State);
        Assert.Equal(2, job.Attempts);
        Assert.Equal(new JobError("System.InvalidOperationException", "bad assessment on attempt 2"), job.Error);
        Assert.NotNull(job.FinishedAt);
        await host.StopAsync();
    }

    [Fact]
    public async Task CancelledJob_IsCompletedWithoutRunning()
    {
        var queue = await ferry.CreateQueueAsync();
        await using (var api = await ferry.StartHostAsync(options =>
        {
            options.UseSqliteStore(_path);
            options.MapJob<ScoringJob>(queue);
        }))
        {
            var jobId = await api.Services.GetRequiredService<IJobClient>().SubmitAsync(new ScoringJob("a", 1), "job-c");
            var store = api.Services.GetRequiredService<IJobStore>();
            store.Append(new JobEvent(JobEventKind.Cancelled, jobId, DateTimeOffset.UtcNow));
            await store.FlushAsync();
            await api.StopAsync();
        }

        var ran = 0;
        await using var worker = await StartAsync(queue, (_, _) =>
        {
            Interlocked.Increment(ref ran);
            return Task.CompletedTask;
        }, new OutcomeProbe());
        await FerryFixture.EventuallyAsync(() => ferry.Active(queue).Count == 0, "the cancelled job's message was completed");
        Assert.Equal(0, ran);
        Assert.Equal(JobState.Cancelled, (await RecordedAsync(worker, "job-c")).State);
        await worker.StopAsync();
    }

    [Fact]
    public async Task WithoutAStore_NothingIsRecorded_AndTheLifecycleIsOff()
    {
        var queue = await ferry.CreateQueueAsync();
        await using var api = await ferry.StartHostAsync(options => options.MapJob<ScoringJob>(queue));
        Assert.Null(api.Services.GetService<IJobStore>());
        Assert.False(api.Services.GetRequiredService<JobLifecycle>().IsEnabled);
        var receipt = await api.Services.GetRequiredService<IJobClient>().SubmitJobAsync(new ScoringJob("a", 1));
        Assert.False(receipt.QueuedLocally);
        Assert.Single(ferry.Active(queue));
        await api.StopAsync();
    }
}
