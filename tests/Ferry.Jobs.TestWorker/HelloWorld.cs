using Ferry.Jobs;

namespace Ferry.Jobs.TestWorker;

/// <summary>
/// Seed 004's hello_world job as a pipeline: stage "greet" fans the input's N out into N tasks that each greet, stage
/// "reply" fans the greetings out into N tasks that each answer 2 × their index, reduced to a sum — Σ 2i = N(N-1) when
/// every task succeeds. Tasks named in <see cref="HelloWorldFaults"/> fail.
/// </summary>
public static class HelloWorld
{
    public static PipelineRegistration Register(FerryJobsOptions options, string name, int concurrency = 8,
        PipelineFailurePolicy onFailure = PipelineFailurePolicy.FailJob, RetryPolicy? retry = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        retry ??= new RetryPolicy { MaxAttempts = 2, InitialDelay = TimeSpan.FromMilliseconds(20), Jitter = 0 };
        return options.AddPipeline<HelloInput>(name, p => p
            .Stage<Greet, string, GreetHandler>("greet", input => Enumerable.Range(0, input.N).Select(i => new Greet(i)),
                concurrency: concurrency, retry: retry)
            .Then<Reply, long, ReplyHandler>("reply", (_, greetings) => greetings.Results.Select(g => new Reply(g)),
                reduce: static (a, b) => a + b, concurrency: concurrency, retry: retry),
            onFailure);
    }

    public static string[] Queues(string name) => [name + "-control", name + "-greet", name + "-reply"];
}

public sealed record HelloInput(int N);

public sealed record Greet(int Index);

public sealed record Reply(string Greeting);

/// <summary>Which greet tasks fail, and how (registered as a singleton by a test; absent, none fails).</summary>
public sealed class HelloWorldFaults(Func<int, Exception?> failure)
{
    public Exception? For(int index) => failure(index);
}

/// <summary>Holds greet tasks from index <see cref="From"/> on until <see cref="Open"/> completes (registered by a test).</summary>
public sealed class HelloWorldGate(int from)
{
    public int From { get; } = from;

    public TaskCompletionSource Open { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}

public sealed class GreetHandler(HelloWorldFaults? faults = null, HelloWorldGate? gate = null) : IPipelineTaskHandler<Greet, string>
{
    public async Task<string> HandleAsync(JobContext<Greet> task, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(task);
        if (gate is not null && task.Payload.Index >= gate.From)
            await gate.Open.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        if (faults?.For(task.Payload.Index) is { } error)
            throw error;
        return $"hello {task.Payload.Index}";
    }
}

public sealed class ReplyHandler : IPipelineTaskHandler<Reply, long>
{
    public Task<long> HandleAsync(JobContext<Reply> task, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(task);
        return Task.FromResult(2L * long.Parse(task.Payload.Greeting["hello ".Length..], System.Globalization.CultureInfo.InvariantCulture));
    }
}
