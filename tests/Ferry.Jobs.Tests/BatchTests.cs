using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace Ferry.Jobs.Tests;

public sealed record EmailJob(string Id, long Tokens = 500);

/// <summary>A batch handler that runs a delegate, registered as a singleton in the test's host.</summary>
public sealed class DelegateBatchHandler<T>(Func<JobBatch<T>, CancellationToken, Task> handle) : IBatchJobHandler<T>
{
    public Task HandleAsync(JobBatch<T> batch, CancellationToken cancellationToken) => handle(batch, cancellationToken);
}

public class BatchTests(FerryFixture ferry, ITestOutputHelper output) : IClassFixture<FerryFixture>
{
    private static readonly RetryPolicy FastRetry = new() { MaxAttempts = 2, InitialDelay = TimeSpan.FromMilliseconds(50), Jitter = 0 };

    /// <summary>Records each batch's item ids in the order the handler saw them, and signals once <c>expected</c> items ran.</summary>
    private sealed class BatchRecorder(int expected)
    {
        private int _seen;

        public ConcurrentQueue<string[]> Batches { get; } = new();

        public TaskCompletionSource AllSeen { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Record(JobBatch<EmailJob> batch)
        {
            Batches.Enqueue([.. batch.Items.Select(i => i.Payload.Id)]);
            if (Interlocked.Add(ref _seen, batch.Count) >= expected)
                AllSeen.TrySetResult();
        }
    }

    private Task<TestHost> StartAsync(string queue, Func<JobBatch<EmailJob>, CancellationToken, Task> handle, int maxBatchSize,
        TimeSpan batchTimeout, long? tokenBudget = null, OutcomeProbe? probe = null) =>
        ferry.StartHostAsync(options =>
        {
            options.OnOutcome = probe is null ? null : probe.Record;
            options.AddBatchJob<EmailJob, DelegateBatchHandler<EmailJob>>(queue, maxBatchSize, batchTimeout, tokenBudget,
                tokenBudget is null ? null : e => e.Tokens, FastRetry);
        }, services => services.AddSingleton(new DelegateBatchHandler<EmailJob>(handle)));

    private async Task SubmitAsync(string queue, params (string Id, long Tokens, int Priority)[] jobs)
    {
        await using var api = await ferry.StartHostAsync(options => options.MapJob<EmailJob>(queue));
        var client = api.Services.GetRequiredService<IJobClient>();
        foreach (var (id, tokens, priority) in jobs)
            await client.SubmitAsync(new EmailJob(id, tokens), priority, id);
        await api.StopAsync();
    }

    [Fact]
    public async Task Batches_AreCutAtMaxBatchSize()
    {
        var queue = await ferry.CreateQueueAsync();
        await SubmitAsync(queue, [.. Enumerable.Range(1, 6).Select(i => ($"e{i}", 500L, 0))]);
        var recorder = new BatchRecorder(6);
        await using var host = await StartAsync(queue, (batch, _) =>
        {
            recorder.Record(batch);
            return Task.CompletedTask;
        }, maxBatchSize: 3, batchTimeout: TimeSpan.FromMinutes(1));

        await recorder.AllSeen.Task.WaitAsync(FerryFixture.Timeout);

        Assert.Equal([["e1", "e2", "e3"], ["e4", "e5", "e6"]], recorder.Batches);
        await FerryFixture.EventuallyAsync(() => ferry.Active(queue).Count == 0, "every item completed");
        await host.StopAsync();
    }

    [Fact]
    public async Task Batches_AreCutAtTheTokenBudget_AndAnItemOverTheBudgetRunsAlone()
    {
        var queue = await ferry.CreateQueueAsync();
        await SubmitAsync(queue, ("a", 400, 0), ("b", 400, 0), ("c", 400, 0), ("huge", 1500, 0), ("d", 100, 0));
        var recorder = new BatchRecorder(5);
        var tokens = new ConcurrentQueue<long>();
        await using var host = await StartAsync(queue, (batch, _) =>
        {
            tokens.Enqueue(batch.Tokens);
            recorder.Record(batch);
            return Task.CompletedTask;
        }, maxBatchSize: 10, batchTimeout: TimeSpan.FromSeconds(1), tokenBudget: 1000);

        await recorder.AllSeen.Task.WaitAsync(FerryFixture.Timeout);

        // a+b fit (800), c would make 1200; c is cut next, before huge (1900); huge runs alone; d is flushed by the timeout.
        // Every item is on the queue before the host starts, so only d waits for the timeout.
        Assert.Equal([["a", "b"], ["c"], ["huge"], ["d"]], recorder.Batches);
        Assert.Equal([800L, 400, 1500, 100], tokens);
        await host.StopAsync();
    }

    [Fact]
    public async Task PartialBatch_IsFlushedWhenTheTimeoutPasses()
    {
        var queue = await ferry.CreateQueueAsync();
        var timeout = TimeSpan.FromMilliseconds(400);
        var ran = new TaskCompletionSource<(string[] Ids, TimeSpan Elapsed)>(TaskCreationOptions.RunContinuationsAsynchronously);
        var clock = new Stopwatch();
        await using var host = await StartAsync(queue, (batch, _) =>
        {
            ran.TrySetResult(([.. batch.Items.Select(i => i.Payload.Id)], clock.Elapsed));
            return Task.CompletedTask;
        }, maxBatchSize: 50, batchTimeout: timeout);

        var client = host.Services.GetRequiredService<IJobClient>();
        clock.Start();
        await client.SubmitToAsync(queue, new EmailJob("x"));
        await client.SubmitToAsync(queue, new EmailJob("y"));

        var (ids, elapsed) = await ran.Task.WaitAsync(FerryFixture.Timeout);
        Assert.Equal(["x", "y"], ids);
        Assert.True(elapsed >= timeout, $"the partial batch ran after {elapsed}, before the {timeout} timeout");
        await host.StopAsync();
    }

    [Fact]
    public async Task Items_ArriveHighestPriorityFirst_ThenInSequence()
    {
        var queue = await ferry.CreateQueueAsync();
        await SubmitAsync(queue, ("low", 1, 1), ("urgent-1", 1, 5), ("mid", 1, 3), ("urgent-2", 1, 5), ("none", 1, 0));
        var recorder = new BatchRecorder(5);
        var priorities = new ConcurrentQueue<int[]>();
        await using var host = await StartAsync(queue, (batch, _) =>
        {
            priorities.Enqueue([.. batch.Items.Select(i => i.Priority)]);
            recorder.Record(batch);
            return Task.CompletedTask;
        }, maxBatchSize: 5, batchTimeout: TimeSpan.FromMinutes(1));

        await recorder.AllSeen.Task.WaitAsync(FerryFixture.Timeout);

        Assert.Equal(["urgent-1", "urgent-2", "mid", "low", "none"], Assert.Single(recorder.Batches));
        Assert.Equal([5, 5, 3, 1, 0], Assert.Single(priorities));
        await host.StopAsync();
    }

    [Fact]
    public async Task EachItem_IsSettledOnItsOwnOutcome_WithRetriesAndDeadLetters()
    {
        var queue = await ferry.CreateQueueAsync();
        await SubmitAsync(queue, ("ok", 1, 0), ("flaky", 1, 0), ("poison", 1, 0), ("broken", 1, 0));
        var probe = new OutcomeProbe();
        var attempts = new ConcurrentDictionary<string, ConcurrentQueue<int>>();
        await using var host = await StartAsync(queue, (batch, _) =>
        {
            foreach (var item in batch.Items)
            {
                attempts.GetOrAdd(item.JobId, _ => new()).Enqueue(item.Attempt);
                switch (item.Payload.Id)
                {
                    case "flaky" when item.Attempt == 1:
                        item.Fail(new TimeoutException("model timed out"));
                        break;
                    case "poison":
                        item.FailPermanently(new FormatException("not an email"));
                        break;
                    case "broken":
                        item.Fail(new InvalidOperationException($"broken on attempt {item.Attempt}"));
                        break;
                }
            }
            return Task.CompletedTask;
        }, maxBatchSize: 10, batchTimeout: TimeSpan.FromMilliseconds(200), probe: probe);

        await probe.WaitForAsync("ok", JobOutcomeKind.Completed);
        await probe.WaitForAsync("flaky", JobOutcomeKind.Completed);
        await probe.WaitForAsync("poison", JobOutcomeKind.DeadLettered);
        await probe.WaitForAsync("broken", JobOutcomeKind.DeadLettered);
        await FerryFixture.EventuallyAsync(() => ferry.DeadLetters(queue).Count == 2, "two items in the dead-letter queue");

        Assert.Equal([1], attempts["ok"]);
        Assert.Equal([1, 2], attempts["flaky"]);
        Assert.Equal([1], attempts["poison"]);
        Assert.Equal([1, 2], attempts["broken"]);
        var dead = ferry.DeadLetters(queue).ToDictionary(m => m.MessageId!);
        Assert.Equal("System.FormatException", dead["poison"].PropertyOverrides!["DeadLetterReason"]);
        Assert.Equal("System.InvalidOperationException", dead["broken"].PropertyOverrides!["DeadLetterReason"]);
        Assert.Equal("broken on attempt 2", dead["broken"].PropertyOverrides!["DeadLetterErrorDescription"]);
        Assert.Empty(ferry.Active(queue));
        await host.StopAsync();
    }

    [Fact]
    public async Task ABatchThatThrows_FailsEveryItem_WhichIsThenRetried()
    {
        var queue = await ferry.CreateQueueAsync();
        await SubmitAsync(queue, ("a", 1, 0), ("b", 1, 0), ("c", 1, 0));
        var probe = new OutcomeProbe();
        var batches = new ConcurrentQueue<(string[] Ids, int[] Attempts)>();
        await using var host = await StartAsync(queue, (batch, _) =>
        {
            batches.Enqueue(([.. batch.Items.Select(i => i.JobId)], [.. batch.Items.Select(i => i.Attempt)]));
            if (batch.Items.Any(i => i.Attempt == 1))
                throw new HttpRequestException("the model endpoint is down");
            return Task.CompletedTask;
        }, maxBatchSize: 3, batchTimeout: TimeSpan.FromMinutes(1), probe: probe);

        foreach (var id in new[] { "a", "b", "c" })
            await probe.WaitForAsync(id, JobOutcomeKind.Completed);

        var retrying = probe.Outcomes.Where(o => o.Kind == JobOutcomeKind.Retrying).ToArray();
        Assert.Equal(["a", "b", "c"], retrying.Select(o => o.JobId).Order());
        Assert.All(retrying, o => Assert.IsType<HttpRequestException>(o.Exception));
        Assert.Equal(["a", "b", "c"], batches.First().Ids);
        Assert.All(batches.Skip(1), b => Assert.All(b.Attempts, a => Assert.Equal(2, a)));
        await FerryFixture.EventuallyAsync(() => ferry.Active(queue).Count == 0, "every item completed");
        Assert.Empty(ferry.DeadLetters(queue));
        await host.StopAsync();
    }

    [Fact]
    public async Task FiveThousandJobs_RunInFullBatches_EachOnce()
    {
        var queue = await ferry.CreateQueueAsync();
        const int jobs = 5000;
        var recorder = new BatchRecorder(jobs);
        var seen = new ConcurrentDictionary<string, int>();
        await using var host = await StartAsync(queue, (batch, _) =>
        {
            foreach (var item in batch.Items)
                seen.AddOrUpdate(item.JobId, 1, (_, c) => c + 1);
            recorder.Record(batch);
            return Task.CompletedTask;
        }, maxBatchSize: 50, batchTimeout: TimeSpan.FromMilliseconds(200));
        var client = host.Services.GetRequiredService<IJobClient>();

        var clock = Stopwatch.StartNew();
        foreach (var window in Enumerable.Range(0, jobs).Chunk(100))
            await Task.WhenAll(window.Select(i => client.SubmitToAsync(queue, new EmailJob($"e{i}"), $"e{i}")));
        var submitted = clock.Elapsed;
        await recorder.AllSeen.Task.WaitAsync(TimeSpan.FromSeconds(60));
        clock.Stop();

        Assert.Equal(jobs, seen.Count);
        Assert.All(seen.Values, count => Assert.Equal(1, count));
        Assert.All(recorder.Batches, b => Assert.InRange(b.Length, 1, 50));
        output.WriteLine($"{jobs} jobs submitted in {submitted.TotalSeconds:F1} s, handled in {recorder.Batches.Count} batches by " +
            $"{clock.Elapsed.TotalSeconds:F1} s: {jobs / clock.Elapsed.TotalSeconds:F0} jobs/s end to end");
        await FerryFixture.EventuallyAsync(() => ferry.Active(queue).Count == 0, "every item completed");
        await host.StopAsync();
    }
}
