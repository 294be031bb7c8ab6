using System.Runtime.CompilerServices;
using Ferry.Broker;
using Ferry.Storage;
using Ferry.Server;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Ferry.Jobs.Tests;

/// <summary>A real Ferry, in memory, on free ports; one per test class. Each test makes its own queue.</summary>
public sealed class FerryFixture : IAsyncLifetime
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    private static int s_counter;

    public FerryServer Server { get; private set; } = null!;

    public string ConnectionString => Server.ConnectionString();

    /// <summary>
    /// Started off xunit's synchronization context, so the server's own continuations never queue behind a test thread
    /// (a test blocking in a synchronous Dispose would otherwise stall the server's replies).
    /// </summary>
    public async Task InitializeAsync() =>
        Server = await Task.Run(() => FerryServer.StartAsync(new FerryServerOptions { InMemory = true, AmqpPort = 0, HttpPort = 0 }));

    public async Task DisposeAsync() => await Server.DisposeAsync();

    public async Task<string> CreateQueueAsync(QueueSettings? settings = null, [CallerMemberName] string test = "")
    {
        var name = $"{new string([.. test.ToLowerInvariant().Where(char.IsLetterOrDigit).Take(40)])}-{Interlocked.Increment(ref s_counter)}";
        await Server.Broker.CreateQueueAsync(name, settings ?? new QueueSettings { MaxDeliveryCount = 10 });
        return name;
    }

    /// <summary>
    /// Starts a generic host with Ferry.Jobs pointed at this server. Dispose it with <c>await using</c>, as
    /// <c>RunAsync</c> does: a synchronous <c>Dispose</c> blocking xunit's thread waits out AMQPNetLite's close timeouts.
    /// </summary>
    public async Task<TestHost> StartHostAsync(Action<FerryJobsOptions> configure, Action<IServiceCollection>? services = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.ClearProviders();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(10));
        builder.Services.AddFerryJobs(options =>
        {
            options.ConnectionString = ConnectionString;
            configure(options);
        });
        services?.Invoke(builder.Services);
        var host = builder.Build();
        await host.StartAsync();
        return new TestHost(host);
    }

    /// <summary>Dead-lettered messages of a queue, as the broker holds them.</summary>
    public IReadOnlyList<BrokerMessage> DeadLetters(string queue) => Server.Broker.GetQueue(queue).Peek(SubQueue.DeadLetter, 1, 10);

    public IReadOnlyList<BrokerMessage> Active(string queue) => Server.Broker.GetQueue(queue).Peek(SubQueue.Main, 1, 10);

    /// <summary>
    /// Waits for a broker-side state that follows a fire-and-forget disposition (rcv-settle-mode first): the settlement
    /// has been sent when the worker reports the outcome, and the broker applies it a moment later.
    /// </summary>
    public static Task EventuallyAsync(Func<bool> condition, string what) => EventuallyAsync(() => Task.FromResult(condition()), what);

    /// <summary>As above, for a condition that must be read asynchronously (an HTTP request, a store read).</summary>
    public static async Task EventuallyAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"Timed out waiting for: {what}");
            await Task.Delay(20);
        }
    }
}

public sealed class TestHost(IHost host) : IAsyncDisposable
{
    public IServiceProvider Services => host.Services;

    public Task StopAsync() => host.StopAsync();

    public ValueTask DisposeAsync() => ((IAsyncDisposable)host).DisposeAsync();
}

/// <summary>A handler that runs a delegate, registered as a singleton in the test's host.</summary>
public sealed class DelegateHandler<T>(Func<JobContext<T>, CancellationToken, Task> handle) : IJobHandler<T>
{
    public Task HandleAsync(JobContext<T> context, CancellationToken cancellationToken) => handle(context, cancellationToken);
}

/// <summary>Collects outcomes and lets a test wait for one.</summary>
public sealed class OutcomeProbe
{
    private readonly List<(JobOutcome Outcome, TaskCompletionSource Signal)> _waiters = [];
    private readonly List<JobOutcome> _outcomes = [];
    private readonly Lock _lock = new();

    public IReadOnlyList<JobOutcome> Outcomes
    {
        get
        {
            lock (_lock)
                return [.. _outcomes];
        }
    }

    public void Record(JobOutcome outcome)
    {
        lock (_lock)
            _outcomes.Add(outcome);
        lock (_lock)
        {
            foreach (var waiter in _waiters.Where(w => w.Outcome.JobId == outcome.JobId && w.Outcome.Kind == outcome.Kind))
                waiter.Signal.TrySetResult();
        }
    }

    public Task WaitForAsync(string jobId, JobOutcomeKind kind)
    {
        var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lock)
        {
            if (_outcomes.Any(o => o.JobId == jobId && o.Kind == kind))
                return Task.CompletedTask;
            _waiters.Add((new JobOutcome("", "", jobId, 0, kind), signal));
        }
        return signal.Task.WaitAsync(FerryFixture.Timeout);
    }
}

public sealed record ScoringJob(string AssessmentId, int Questions);
