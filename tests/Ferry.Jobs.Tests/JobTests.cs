using System.Collections.Concurrent;
using Ferry.Broker;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Ferry.Jobs.Tests;

public class JobTests(FerryFixture ferry) : IClassFixture<FerryFixture>
{
    private static readonly RetryPolicy FastRetry = new()
    {
        MaxAttempts = 3,
        InitialDelay = TimeSpan.FromMilliseconds(300),
        Multiplier = 2,
        MaxDelay = TimeSpan.FromSeconds(5),
        Jitter = 0.1,
    };

    private Task<TestHost> StartAsync(string queue, Func<JobContext<ScoringJob>, CancellationToken, Task> handle, OutcomeProbe? probe = null,
        int concurrency = 1, RetryPolicy? retry = null, bool? useFerryExtensions = null) =>
        ferry.StartHostAsync(options =>
        {
            options.UseFerryExtensions = useFerryExtensions;
            options.OnOutcome = probe is null ? null : probe.Record;
            options.AddJob<ScoringJob, DelegateHandler<ScoringJob>>(queue, concurrency: concurrency, retry: retry ?? FastRetry);
        }, services => services.AddSingleton(new DelegateHandler<ScoringJob>(handle)));

    [Fact]
    public async Task Handler_ReceivesTheTypedPayload()
    {
        var queue = await ferry.CreateQueueAsync();
        var received = new TaskCompletionSource<JobContext<ScoringJob>>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var host = await StartAsync(queue, (context, _) =>
        {
            received.TrySetResult(context);
            return Task.CompletedTask;
        });

        var jobId = await host.Services.GetRequiredService<IJobClient>().SubmitAsync(new ScoringJob("assessment-17", 42));

        var context = await received.Task.WaitAsync(FerryFixture.Timeout);
        Assert.Equal(new ScoringJob("assessment-17", 42), context.Payload);
        Assert.Equal(jobId, context.JobId);
        Assert.Equal(jobId, context.MessageId);
        Assert.Equal(1, context.Attempt);
        Assert.Equal(3, context.MaxAttempts);
        Assert.Equal(queue, context.Queue);
        Assert.Equal(nameof(ScoringJob), context.JobType);
        Assert.NotNull(context.LockedUntil);
        Assert.True(context.SequenceNumber > 0);
        await FerryFixture.EventuallyAsync(() => ferry.Active(queue).Count == 0, "the job completed");
        await host.StopAsync();
    }

    [Fact]
    public async Task SubmitOnlyMapping_SendsToTheMappedQueue()
    {
        var queue = await ferry.CreateQueueAsync();
        await using var api = await ferry.StartHostAsync(options => options.MapJob<ScoringJob>(queue));
        var jobId = await api.Services.GetRequiredService<IJobClient>().SubmitAsync(new ScoringJob("a", 1), "job-42");
        Assert.Equal("job-42", jobId);
        Assert.Equal("job-42", Assert.Single(ferry.Active(queue)).MessageId);
        await api.StopAsync();
    }

    [Fact]
    public async Task SubmitToAMissingQueue_Throws()
    {
        await using var api = await ferry.StartHostAsync(options => options.MapJob<ScoringJob>("no-such-queue"));
        var error = await Assert.ThrowsAsync<global::Amqp.AmqpException>(() =>
            api.Services.GetRequiredService<IJobClient>().SubmitAsync(new ScoringJob("a", 1)));
        Assert.Equal("amqp:not-found", error.Error.Condition.ToString());
        await api.StopAsync();
    }

    [Theory]
    [InlineData(null)]
    [InlineData(false)]
    public async Task FailingHandler_IsRetriedWithGrowingDelays_AndSucceedsOnAttempt3(bool? useFerryExtensions)
    {
        var queue = await ferry.CreateQueueAsync();
        var probe = new OutcomeProbe();
        var attempts = new ConcurrentQueue<(int Attempt, DateTime At, IReadOnlyDictionary<string, object?> Properties)>();
        await using var host = await StartAsync(queue, (context, _) =>
        {
            attempts.Enqueue((context.Attempt, DateTime.UtcNow, context.Properties));
            return context.Attempt < 3 ? throw new TimeoutException($"scorer timed out on attempt {context.Attempt}") : Task.CompletedTask;
        }, probe, useFerryExtensions: useFerryExtensions);

        var jobId = await host.Services.GetRequiredService<IJobClient>().SubmitAsync(new ScoringJob("a", 1));
        await probe.WaitForAsync(jobId, JobOutcomeKind.Completed);

        var seen = attempts.ToArray();
        Assert.Equal([1, 2, 3], seen.Select(a => a.Attempt));
        Assert.True(seen[1].At - seen[0].At >= TimeSpan.FromMilliseconds(300), $"first delay {seen[1].At - seen[0].At}");
        Assert.True(seen[2].At - seen[1].At >= TimeSpan.FromMilliseconds(600), $"second delay {seen[2].At - seen[1].At}");
        var outcomes = probe.Outcomes;
        Assert.Equal([JobOutcomeKind.Retrying, JobOutcomeKind.Retrying, JobOutcomeKind.Completed], outcomes.Select(o => o.Kind));
        Assert.IsType<TimeoutException>(outcomes[0].Exception);
        Assert.True(outcomes[1].RetryDelay > outcomes[0].RetryDelay);

        if (useFerryExtensions == false)
        {
            // Azure fallback: the third attempt is a scheduled copy, delivered for the first time, carrying 2 attempts made.
            Assert.Equal(2, Convert.ToInt32(seen[2].Properties["ferry-attempts"]));
            Assert.Equal(jobId, seen[2].Properties["ferry-job-id"]);
        }
        else
        {
            Assert.False(seen[2].Properties.ContainsKey("ferry-attempts"));
        }
        await FerryFixture.EventuallyAsync(() => ferry.Active(queue).Count == 0, "the job completed");
        Assert.Empty(ferry.DeadLetters(queue));
        await host.StopAsync();
    }

    [Theory]
    [InlineData(null)]
    [InlineData(false)]
    public async Task AfterMaxAttempts_TheJobIsDeadLettered_WithTheExceptionTypeAsReason(bool? useFerryExtensions)
    {
        var queue = await ferry.CreateQueueAsync();
        var probe = new OutcomeProbe();
        var attempts = new ConcurrentQueue<int>();
        await using var host = await StartAsync(queue, (context, _) =>
        {
            attempts.Enqueue(context.Attempt);
            throw new InvalidOperationException($"model unavailable (attempt {context.Attempt})");
        }, probe, retry: FastRetry with { InitialDelay = TimeSpan.FromMilliseconds(50) }, useFerryExtensions: useFerryExtensions);

        var jobId = await host.Services.GetRequiredService<IJobClient>().SubmitAsync(new ScoringJob("a", 1));
        await probe.WaitForAsync(jobId, JobOutcomeKind.DeadLettered);
        await FerryFixture.EventuallyAsync(() => ferry.DeadLetters(queue).Count == 1, "the job in the dead-letter queue");

        Assert.Equal([1, 2, 3], attempts);
        var dead = Assert.Single(ferry.DeadLetters(queue));
        Assert.Equal("System.InvalidOperationException", dead.PropertyOverrides!["DeadLetterReason"]);
        Assert.Equal("model unavailable (attempt 3)", dead.PropertyOverrides!["DeadLetterErrorDescription"]);
        Assert.Empty(ferry.Active(queue));
        await host.StopAsync();
    }

    [Fact]
    public async Task PermanentError_IsDeadLetteredAtOnce()
    {
        var queue = await ferry.CreateQueueAsync();
        var probe = new OutcomeProbe();
        var attempts = 0;
        await using var host = await StartAsync(queue, (context, _) =>
        {
            Interlocked.Increment(ref attempts);
            throw new PermanentJobException("assessment not found", new KeyNotFoundException($"no assessment {context.Payload.AssessmentId}"));
        }, probe);

        var jobId = await host.Services.GetRequiredService<IJobClient>().SubmitAsync(new ScoringJob("missing", 1));
        await probe.WaitForAsync(jobId, JobOutcomeKind.DeadLettered);
        await FerryFixture.EventuallyAsync(() => ferry.DeadLetters(queue).Count == 1, "the job in the dead-letter queue");

        Assert.Equal(1, attempts);
        var dead = Assert.Single(ferry.DeadLetters(queue));
        Assert.Equal(1, dead.DeliveryCount); // delivered once, never retried
        Assert.Equal("System.Collections.Generic.KeyNotFoundException", dead.PropertyOverrides!["DeadLetterReason"]);
        Assert.Equal("no assessment missing", dead.PropertyOverrides!["DeadLetterErrorDescription"]);
        await host.StopAsync();
    }

    [Fact]
    public async Task RetryPolicyPredicate_MarksExceptionsPermanent()
    {
        var queue = await ferry.CreateQueueAsync();
        var probe = new OutcomeProbe();
        await using var host = await StartAsync(queue, (_, _) => throw new ArgumentException("bad score range"), probe,
            retry: FastRetry with { IsPermanent = ex => ex is ArgumentException });

        var jobId = await host.Services.GetRequiredService<IJobClient>().SubmitAsync(new ScoringJob("a", -1));
        await probe.WaitForAsync(jobId, JobOutcomeKind.DeadLettered);
        Assert.Equal(1, Assert.Single(probe.Outcomes).Attempt);
        await FerryFixture.EventuallyAsync(() => ferry.DeadLetters(queue).Count == 1, "the job in the dead-letter queue");
        Assert.Equal("System.ArgumentException", ferry.DeadLetters(queue)[0].PropertyOverrides!["DeadLetterReason"]);
        await host.StopAsync();
    }

    [Fact]
    public async Task UnreadablePayload_IsDeadLetteredAtOnce()
    {
        var queue = await ferry.CreateQueueAsync();
        var probe = new OutcomeProbe();
        var handled = 0;
        await using var host = await StartAsync(queue, (_, _) =>
        {
            Interlocked.Increment(ref handled);
            return Task.CompletedTask;
        }, probe);

        var jobId = await host.Services.GetRequiredService<IJobClient>().SubmitToAsync(queue, "not a scoring job");
        await probe.WaitForAsync(jobId, JobOutcomeKind.DeadLettered);
        await FerryFixture.EventuallyAsync(() => ferry.DeadLetters(queue).Count == 1, "the job in the dead-letter queue");
        Assert.Equal(0, handled);
        Assert.Equal("System.Text.Json.JsonException", ferry.DeadLetters(queue)[0].PropertyOverrides!["DeadLetterReason"]);
        await host.StopAsync();
    }

    [Fact]
    public async Task DuplicateJobId_IsHandledOnce()
    {
        var queue = await ferry.CreateQueueAsync(new QueueSettings { RequiresDuplicateDetection = true, MaxDeliveryCount = 10 });
        var handled = new ConcurrentQueue<string>();
        var sentinel = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var host = await StartAsync(queue, (context, _) =>
        {
            handled.Enqueue(context.JobId);
            if (context.JobId == "sentinel")
                sentinel.TrySetResult();
            return Task.CompletedTask;
        });
        var client = host.Services.GetRequiredService<IJobClient>();

        Assert.Equal("assessment-1", await client.SubmitAsync(new ScoringJob("a", 1), "assessment-1"));
        Assert.Equal("assessment-1", await client.SubmitAsync(new ScoringJob("a", 1), "assessment-1"));
        await client.SubmitAsync(new ScoringJob("b", 1), "sentinel");

        // One handler, FIFO: once the sentinel ran, everything submitted before it has run.
        await sentinel.Task.WaitAsync(FerryFixture.Timeout);
        Assert.Equal(["assessment-1", "sentinel"], handled);
        await host.StopAsync();
    }

    [Fact]
    public async Task Concurrency_IsLimitedPerJobType()
    {
        var queue = await ferry.CreateQueueAsync();
        var running = 0;
        var maxRunning = 0;
        var twoRunning = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var done = new CountdownEvent(6);
        var allDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var host = await StartAsync(queue, async (_, _) =>
        {
            var now = Interlocked.Increment(ref running);
            InterlockedMax(ref maxRunning, now);
            if (now == 2)
                twoRunning.TrySetResult();
            await gate.Task;
            Interlocked.Decrement(ref running);
            if (done.Signal())
                allDone.TrySetResult();
        }, concurrency: 2);
        var client = host.Services.GetRequiredService<IJobClient>();
        for (var i = 0; i < 6; i++)
            await client.SubmitAsync(new ScoringJob($"a{i}", i));

        await twoRunning.Task.WaitAsync(FerryFixture.Timeout);
        // Two handlers hold their slots; the other four messages must not start while they do.
        await Task.Delay(300);
        Assert.Equal(2, Volatile.Read(ref running));
        gate.SetResult();
        await allDone.Task.WaitAsync(FerryFixture.Timeout);
        Assert.Equal(2, maxRunning);
        await host.StopAsync();
    }

    [Fact]
    public async Task LongJob_KeepsItsLock_ByRenewal()
    {
        var queue = await ferry.CreateQueueAsync(new QueueSettings { LockDuration = TimeSpan.FromSeconds(5), MaxDeliveryCount = 10 });
        var probe = new OutcomeProbe();
        var attempts = new ConcurrentQueue<int>();
        await using var host = await StartAsync(queue, async (context, ct) =>
        {
            attempts.Enqueue(context.Attempt);
            await Task.Delay(TimeSpan.FromSeconds(7), ct); // longer than the 5 s lock
        }, probe);

        var jobId = await host.Services.GetRequiredService<IJobClient>().SubmitAsync(new ScoringJob("slow", 1));
        await probe.WaitForAsync(jobId, JobOutcomeKind.Completed);
        await FerryFixture.EventuallyAsync(() => ferry.Active(queue).Count == 0, "the job completed");
        Assert.Equal([1], attempts);
        Assert.Empty(ferry.DeadLetters(queue));
        await host.StopAsync();
    }

    [Fact]
    public async Task Shutdown_CancelsHandlers_AndAbandons_SoANewHostGetsTheJob()
    {
        var queue = await ferry.CreateQueueAsync(new QueueSettings { LockDuration = TimeSpan.FromMinutes(5), MaxDeliveryCount = 10 });
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var cancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var probe = new OutcomeProbe();
        var first = await StartAsync(queue, async (_, ct) =>
        {
            started.TrySetResult();
            try
            {
                await Task.Delay(Timeout.Infinite, ct);
            }
            catch (OperationCanceledException)
            {
                cancelled.TrySetResult();
                throw;
            }
        }, probe);
        var jobId = await first.Services.GetRequiredService<IJobClient>().SubmitAsync(new ScoringJob("a", 1));
        await started.Task.WaitAsync(FerryFixture.Timeout);

        await first.StopAsync();
        await first.DisposeAsync();
        await cancelled.Task.WaitAsync(FerryFixture.Timeout);
        await probe.WaitForAsync(jobId, JobOutcomeKind.Abandoned);

        // The lock is 5 minutes: only an abandon lets the second host have the job within the test's timeout.
        var redelivered = new TaskCompletionSource<JobContext<ScoringJob>>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var second = await StartAsync(queue, (context, _) =>
        {
            redelivered.TrySetResult(context);
            return Task.CompletedTask;
        });
        var context = await redelivered.Task.WaitAsync(FerryFixture.Timeout);
        Assert.Equal(jobId, context.JobId);
        Assert.Equal(2, context.Attempt);
        await second.StopAsync();
    }

    [Fact]
    public async Task Worker_KeepsConsuming_AfterTheConnectionFails()
    {
        var queue = await ferry.CreateQueueAsync();
        var handled = new ConcurrentDictionary<string, TaskCompletionSource>();
        TaskCompletionSource Signal(string id) => handled.GetOrAdd(id, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        await using var host = await StartAsync(queue, (context, _) =>
        {
            Signal(context.JobId).TrySetResult();
            return Task.CompletedTask;
        });
        var client = host.Services.GetRequiredService<IJobClient>();
        await client.SubmitAsync(new ScoringJob("a", 1), "before");
        await Signal("before").Task.WaitAsync(FerryFixture.Timeout);

        var connection = host.Services.GetRequiredService<AmqpServiceBusConnection>();
        await connection.AbortAsync();

        await client.SubmitAsync(new ScoringJob("b", 2), "after");
        await Signal("after").Task.WaitAsync(FerryFixture.Timeout);
        Assert.True(connection.Generation >= 2);
        await host.StopAsync();
    }

    [Fact]
    public async Task JobRunningWhenTheConnectionFails_IsSettledThroughManagement_AndNotRunAgain()
    {
        var queue = await ferry.CreateQueueAsync(new QueueSettings { LockDuration = TimeSpan.FromMinutes(1), MaxDeliveryCount = 10 });
        var probe = new OutcomeProbe();
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var runs = 0;
        await using var host = await StartAsync(queue, async (_, _) =>
        {
            Interlocked.Increment(ref runs);
            started.TrySetResult();
            await gate.Task;
        }, probe);
        var jobId = await host.Services.GetRequiredService<IJobClient>().SubmitAsync(new ScoringJob("a", 1));
        await started.Task.WaitAsync(FerryFixture.Timeout);

        var connection = host.Services.GetRequiredService<AmqpServiceBusConnection>();
        await connection.AbortAsync();
        gate.SetResult(); // the job finishes after its receive link has gone

        await probe.WaitForAsync(jobId, JobOutcomeKind.Completed);
        await FerryFixture.EventuallyAsync(() => ferry.Active(queue).Count == 0, "the job completed");
        Assert.Equal(1, runs);
        Assert.True(connection.Generation >= 2);
        await host.StopAsync();
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while ((current = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }
}
