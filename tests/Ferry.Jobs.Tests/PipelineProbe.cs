using System.Collections.Concurrent;
using System.Text.Json;
using Ferry.Storage;
using Ferry.Broker;
using Ferry.Jobs.TestWorker;

namespace Ferry.Jobs.Tests;

/// <summary>Records pipeline events and lets a test await a job's end (Completed or Failed).</summary>
public sealed class PipelineProbe : IPipelineObserver
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource<PipelineEvent>> _finished = new();
    private readonly List<(Func<PipelineEvent, bool> Match, TaskCompletionSource<PipelineEvent> Signal)> _waiters = [];

    public ConcurrentQueue<PipelineEvent> Events { get; } = new();

    public ValueTask OnPipelineEventAsync(PipelineEvent pipelineEvent, CancellationToken cancellationToken)
    {
        Events.Enqueue(pipelineEvent);
        lock (_waiters)
        {
            foreach (var waiter in _waiters.Where(w => w.Match(pipelineEvent)))
                waiter.Signal.TrySetResult(pipelineEvent);
        }
        if (pipelineEvent.Kind is PipelineEventKind.Completed or PipelineEventKind.Failed)
            Finished(pipelineEvent.JobId).TrySetResult(pipelineEvent);
        return ValueTask.CompletedTask;
    }

    /// <summary>Waits for the first event (seen or to come) that matches.</summary>
    public Task<PipelineEvent> WaitForAsync(Func<PipelineEvent, bool> match, TimeSpan timeout)
    {
        var signal = new TaskCompletionSource<PipelineEvent>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_waiters)
        {
            if (Events.FirstOrDefault(match) is { } seen)
                return Task.FromResult(seen);
            _waiters.Add((match, signal));
        }
        return signal.Task.WaitAsync(timeout);
    }

    public Task<PipelineEvent> FinishedAsync(string jobId, TimeSpan timeout) => Finished(jobId).Task.WaitAsync(timeout);

    public int Count(string jobId, PipelineEventKind kind, int? stage = null) =>
        Events.Count(e => e.JobId == jobId && e.Kind == kind && (stage is null || e.StageIndex == stage));

    private TaskCompletionSource<PipelineEvent> Finished(string jobId) =>
        _finished.GetOrAdd(jobId, _ => new TaskCompletionSource<PipelineEvent>(TaskCreationOptions.RunContinuationsAsynchronously));
}

/// <summary>Queues and session state of a hello_world pipeline on the in-process Ferry.</summary>
public static class PipelineQueues
{
    private static int s_counter;

    public static string NewName(string prefix) => $"{prefix}-{Interlocked.Increment(ref s_counter)}-{Guid.NewGuid().ToString("N")[..6]}";

    /// <summary>The control queue (sessions, duplicate detection) and one queue per stage (duplicate detection).</summary>
    public static Task CreateAsync(FerryFixture ferry, string pipeline, TimeSpan? lockDuration = null) =>
        CreateAsync(ferry.Server.Broker, pipeline, lockDuration);

    public static async Task CreateAsync(FerryBroker broker, string pipeline, TimeSpan? lockDuration = null)
    {
        var queues = HelloWorld.Queues(pipeline);
        var lockFor = lockDuration ?? TimeSpan.FromMinutes(1);
        await broker.CreateQueueAsync(queues[0],
            new QueueSettings { RequiresSession = true, RequiresDuplicateDetection = true, MaxDeliveryCount = 10, LockDuration = lockFor });
        foreach (var stage in queues.Skip(1))
            await broker.CreateQueueAsync(stage,
                new QueueSettings { RequiresDuplicateDetection = true, MaxDeliveryCount = 10, LockDuration = lockFor });
    }

    /// <summary>
    /// The job's control state (the control queue's session state) as the broker holds it, read as a client must: by
    /// accepting the session (waiting while a coordinator still holds it), without taking any message.
    /// </summary>
    public static Task<JsonElement> StateAsync(FerryFixture ferry, string pipeline, string jobId) => StateAsync(ferry.Server.Broker, pipeline, jobId);

    public static async Task<JsonElement> StateAsync(FerryBroker broker, string pipeline, string jobId)
    {
        var queue = broker.GetQueue(pipeline + "-control");
        Receiver? receiver = null;
        // A coordinator lets go of a finished job's session just after it reports the end: poll until it has.
        await FerryFixture.EventuallyAsync(() =>
        {
            try
            {
                receiver = queue.AcceptSessionAsync(jobId, ReceiveMode.PeekLock, NoDeliveries.Instance, TimeSpan.Zero).GetAwaiter().GetResult();
                return true;
            }
            catch (BrokerException ex) when (ex.Code == BrokerErrorCode.SessionCannotBeLocked)
            {
                return false;
            }
        }, $"the coordinator releasing job {jobId}'s session");
        using var _ = receiver;
        var bytes = queue.GetSessionState(jobId);
        Assert.NotNull(bytes);
        return JsonDocument.Parse(bytes).RootElement.Clone();
    }

    /// <summary>A sink for a receiver that is given no credit.</summary>
    private sealed class NoDeliveries : IDeliverySink
    {
        public static readonly NoDeliveries Instance = new();

        public void OnDelivery(Receiver receiver, BrokerMessage message) => throw new InvalidOperationException("No credit was given.");

        public void OnClosed(Receiver receiver, BrokerException reason)
        {
        }
    }

    public static int DeadLetterCount(FerryFixture ferry, string queue) => ferry.Server.Broker.GetQueue(queue).Peek(SubQueue.DeadLetter, 1, 1000).Count;

    public static void AssertDrained(FerryFixture ferry, string pipeline, bool deadLettersExpected = false)
    {
        foreach (var queue in HelloWorld.Queues(pipeline))
        {
            Assert.Empty(ferry.Active(queue));
            if (!deadLettersExpected)
                Assert.Empty(ferry.DeadLetters(queue));
        }
    }
}
