using Ferry.Jobs;

namespace TaskEngine;

/// <summary>The job's input: how many tasks each stage runs.</summary>
public sealed record HelloInput(int N);

/// <summary>A task of stage "greet".</summary>
public sealed record Greet(int Index);

/// <summary>A task of stage "reply": answers one greeting.</summary>
public sealed record Reply(string Greeting);

/// <summary>
/// Seed 004's hello_world job as a pipeline: stage "greet" fans the input out into N tasks that each return a greeting;
/// when all N are in, stage "reply" fans the greetings out into N tasks that each answer 2 × their index, reduced to a
/// sum. With every task done the job's result is Σ 2i = N(N-1).
/// </summary>
public static class HelloWorld
{
    public const string Name = "hello-world";

    /// <summary>The queues a pipeline needs (docs/jobs.md, "Pipelines"): a control queue, then one per stage.</summary>
    public static readonly string[] Queues = [Name + "-control", Name + "-greet", Name + "-reply"];

    public static void Register(FerryJobsOptions jobs) =>
        jobs.AddPipeline<HelloInput>(Name, p => p
            // Fan-outs must be deterministic: after a crash a stage's fan-out runs again and duplicate detection drops repeats.
            .Stage<Greet, string, GreetHandler>("greet", input => Enumerable.Range(0, input.N).Select(i => new Greet(i)), concurrency: 32)
            // Without a reducer a stage keeps every result; with one, the state holds one running sum.
            .Then<Reply, long, ReplyHandler>("reply", (_, greetings) => greetings.Results.Select(g => new Reply(g)),
                reduce: static (a, b) => a + b, concurrency: 32));

    public static long ExpectedAggregate(int n) => (long)n * (n - 1);
}

public sealed class GreetHandler : IPipelineTaskHandler<Greet, string>
{
    public Task<string> HandleAsync(JobContext<Greet> task, CancellationToken cancellationToken) =>
        Task.FromResult($"hello {task.Payload.Index}");
}

public sealed class ReplyHandler : IPipelineTaskHandler<Reply, long>
{
    public Task<long> HandleAsync(JobContext<Reply> task, CancellationToken cancellationToken) =>
        Task.FromResult(2L * long.Parse(task.Payload.Greeting["hello ".Length..], System.Globalization.CultureInfo.InvariantCulture));
}
