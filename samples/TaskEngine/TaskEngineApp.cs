using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Ferry.Broker;
using Ferry.Jobs;
using Ferry.Server;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace TaskEngine;

/// <summary>A finished hello_world run: the job's last event, its result, and every pipeline event it raised.</summary>
public sealed record HelloRun(string JobId, PipelineEvent Outcome, long? Aggregate, TimeSpan Elapsed, IReadOnlyList<PipelineEvent> Events);

/// <summary>A submit path's figures.</summary>
public sealed record SubmitFigures(string Path, int Messages, TimeSpan Elapsed)
{
    public double PerSecond => Messages / Elapsed.TotalSeconds;
}

/// <summary>The engine: an embedded Ferry (in memory), the pipeline's queues, and a host that coordinates and runs it.</summary>
public sealed class TaskEngineApp : IAsyncDisposable
{
    /// <summary>A queue with no consumer, for timing submits alone.</summary>
    public const string SubmitQueue = "submit-bench";

    private readonly PipelineWatcher _watcher;

    private TaskEngineApp(FerryServer ferry, IHost host)
    {
        Ferry = ferry;
        Host = host;
        _watcher = host.Services.GetRequiredService<PipelineWatcher>();
    }

    public FerryServer Ferry { get; }

    public IHost Host { get; }

    public static async Task<TaskEngineApp> StartAsync()
    {
        var ferry = await FerryServer.StartAsync(new FerryServerOptions { InMemory = true, AmqpPort = 0, HttpPort = 0 });

        // The control queue keeps one session per job (its state is the job's state); duplicate detection on every
        // queue makes a re-sent task or outcome count once. MaxDeliveryCount stays above the stages' MaxAttempts (5).
        await ferry.Broker.ApplyConfigQueueAsync(HelloWorld.Queues[0],
            new QueueSettings { RequiresSession = true, RequiresDuplicateDetection = true, MaxDeliveryCount = 10 });
        foreach (var stage in HelloWorld.Queues.Skip(1))
            await ferry.Broker.ApplyConfigQueueAsync(stage, new QueueSettings { RequiresDuplicateDetection = true, MaxDeliveryCount = 10 });
        await ferry.Broker.ApplyConfigQueueAsync(SubmitQueue, new QueueSettings());

        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.AddConsole().SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddSingleton<PipelineWatcher>();
        builder.Services.AddSingleton<IPipelineObserver>(sp => sp.GetRequiredService<PipelineWatcher>());
        builder.Services.AddFerryJobs(jobs =>
        {
            jobs.ConnectionString = ferry.ConnectionString();
            HelloWorld.Register(jobs);
            jobs.MapJob<BenchMessage>(SubmitQueue);
        });
        var host = builder.Build();
        await host.StartAsync();
        return new TaskEngineApp(ferry, host);
    }

    /// <summary>Starts a hello_world job with <paramref name="n"/> tasks per stage and waits for it to finish.</summary>
    public async Task<HelloRun> RunHelloWorldAsync(int n, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        var jobId = $"hello-{Guid.NewGuid():N}";
        var finished = _watcher.Finished(jobId);
        await Host.Services.GetRequiredService<IPipelineClient>().StartAsync(HelloWorld.Name, new HelloInput(n), jobId);
        var outcome = await finished.WaitAsync(timeout);
        clock.Stop();
        long? aggregate = outcome.Result is { } result && result.TryGetProperty("aggregate", out var sum) ? sum.GetInt64() : null;
        return new HelloRun(jobId, outcome, aggregate, clock.Elapsed, _watcher.EventsOf(jobId));
    }

    /// <summary>
    /// The job's transition log, as the coordinator wrote it into the control session's state: one entry per stage
    /// started (name, tasks, succeeded, failed, times). Read by taking the session with no credit, once the coordinator
    /// has let go of it, which it does at once when a job finishes.
    /// </summary>
    public async Task<JsonElement> ReadTransitionLogAsync(string jobId, TimeSpan timeout)
    {
        var queue = Ferry.Broker.GetQueue(HelloWorld.Queues[0]);
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var receiver = await queue.AcceptSessionAsync(jobId, ReceiveMode.PeekLock, NoDeliveries.Instance, TimeSpan.Zero);
                var state = queue.GetSessionState(jobId) ?? throw new InvalidOperationException($"job {jobId} has no state");
                return JsonDocument.Parse(state).RootElement.GetProperty("stages").Clone();
            }
            catch (BrokerException ex) when (ex.Code == BrokerErrorCode.SessionCannotBeLocked && deadline.Elapsed < timeout)
            {
                await Task.Delay(20);   // the coordinator still holds the session
            }
        }
    }

    /// <summary>
    /// Submits <paramref name="count"/> messages one at a time, each awaited before the next (seed 004's individual
    /// path), then <paramref name="count"/> more 100 at a time in flight (its batched path: the window the pipeline's
    /// fan-out and <c>POST /jobs/{type}/batch</c> use). The queue has no consumer, so only submitting is timed.
    /// </summary>
    public async Task<(SubmitFigures PerMessage, SubmitFigures Batched)> CompareSubmitPathsAsync(int count)
    {
        var jobs = Host.Services.GetRequiredService<IJobClient>();
        await jobs.SubmitAsync(new BenchMessage(-1));   // opens the sender link, so neither path pays for it

        var clock = Stopwatch.StartNew();
        for (var i = 0; i < count; i++)
            await jobs.SubmitAsync(new BenchMessage(i));
        var perMessage = new SubmitFigures("per-message", count, clock.Elapsed);

        clock.Restart();
        foreach (var window in Enumerable.Range(0, count).Chunk(100))
            await Task.WhenAll(window.Select(i => jobs.SubmitAsync(new BenchMessage(i))));
        var batched = new SubmitFigures("batched (100 in flight)", count, clock.Elapsed);
        return (perMessage, batched);
    }

    public async ValueTask DisposeAsync()
    {
        await Host.StopAsync();
        if (Host is IAsyncDisposable disposable)
            await disposable.DisposeAsync();
        await Ferry.DisposeAsync();
    }

    /// <summary>A receiver given no credit gets no message; it only holds the session.</summary>
    private sealed class NoDeliveries : IDeliverySink
    {
        public static readonly NoDeliveries Instance = new();

        public void OnDelivery(Receiver receiver, BrokerMessage message) => throw new InvalidOperationException("No credit was given.");

        public void OnClosed(Receiver receiver, BrokerException reason)
        {
        }
    }
}

/// <summary>A message for timing submits.</summary>
public sealed record BenchMessage(int Index);

/// <summary>Keeps every pipeline event and signals each job's end (Completed or Failed). Must not block: it runs on the coordinator's thread.</summary>
public sealed class PipelineWatcher : IPipelineObserver
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource<PipelineEvent>> _finished = new();
    private readonly ConcurrentQueue<PipelineEvent> _events = new();

    public ValueTask OnPipelineEventAsync(PipelineEvent pipelineEvent, CancellationToken cancellationToken)
    {
        _events.Enqueue(pipelineEvent);
        if (pipelineEvent.Kind is PipelineEventKind.Completed or PipelineEventKind.Failed)
            Signal(pipelineEvent.JobId).TrySetResult(pipelineEvent);
        return ValueTask.CompletedTask;
    }

    public Task<PipelineEvent> Finished(string jobId) => Signal(jobId).Task;

    public IReadOnlyList<PipelineEvent> EventsOf(string jobId) => [.. _events.Where(e => e.JobId == jobId)];

    private TaskCompletionSource<PipelineEvent> Signal(string jobId) =>
        _finished.GetOrAdd(jobId, _ => new TaskCompletionSource<PipelineEvent>(TaskCreationOptions.RunContinuationsAsynchronously));
}
