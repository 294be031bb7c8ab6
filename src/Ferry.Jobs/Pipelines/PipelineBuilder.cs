namespace Ferry.Jobs;

/// <summary>Declares a pipeline's first stage (see <c>FerryJobsOptions.AddPipeline</c>).</summary>
public sealed class PipelineBuilder<TInput>
{
    internal PipelineBuilder(PipelineRegistration registration) => Registration = registration;

    public PipelineRegistration Registration { get; }

    /// <summary>
    /// The first stage: <paramref name="fanOut"/> turns the job's input into tasks (any number, 0 included), each run by
    /// <typeparamref name="THandler"/>. With <paramref name="reduce"/> (commutative and associative: outcomes arrive in
    /// any order) the stage keeps one aggregate instead of one result per task — use it for large fan-outs.
    /// <paramref name="fanOut"/> must be deterministic: after a crash it runs again and duplicate detection drops the
    /// resent tasks by id. The queue defaults to <c>{pipeline}-{stage}</c>.
    /// </summary>
    public PipelineBuilder<TInput, TResult> Stage<TTask, TResult, THandler>(string name, Func<TInput, IEnumerable<TTask>> fanOut,
        Func<TResult, TResult, TResult>? reduce = null, int concurrency = 1, RetryPolicy? retry = null, string? queue = null)
        where THandler : class, IPipelineTaskHandler<TTask, TResult>
    {
        ArgumentNullException.ThrowIfNull(fanOut);
        return PipelineBuilder<TInput, TResult>.AddStage<TTask, TResult, THandler, object>(Registration, name, (input, _) => fanOut(input), reduce,
            concurrency, retry, queue);
    }
}

/// <summary>Declares the next stage of a pipeline whose last stage yields <typeparamref name="TPrevious"/>.</summary>
public sealed class PipelineBuilder<TInput, TPrevious>
{
    internal PipelineBuilder(PipelineRegistration registration) => Registration = registration;

    public PipelineRegistration Registration { get; }

    /// <summary>
    /// The next stage: it runs when every task of the previous one has finished; <paramref name="fanOut"/> gets the job's
    /// input and the previous stage's <see cref="StageResult{TResult}"/>. Same rules as the first stage.
    /// </summary>
    public PipelineBuilder<TInput, TResult> Then<TTask, TResult, THandler>(string name, Func<TInput, StageResult<TPrevious>, IEnumerable<TTask>> fanOut,
        Func<TResult, TResult, TResult>? reduce = null, int concurrency = 1, RetryPolicy? retry = null, string? queue = null)
        where THandler : class, IPipelineTaskHandler<TTask, TResult>
    {
        ArgumentNullException.ThrowIfNull(fanOut);
        return AddStage<TTask, TResult, THandler, TPrevious>(Registration, name, (input, previous) => fanOut(input, previous!), reduce, concurrency,
            retry, queue);
    }

    internal static PipelineBuilder<TInput, TResult> AddStage<TTask, TResult, THandler, TPrev>(PipelineRegistration registration, string name,
        Func<TInput, StageResult<TPrev>?, IEnumerable<TTask>> fanOut, Func<TResult, TResult, TResult>? reduce, int concurrency, RetryPolicy? retry,
        string? queue)
        where THandler : class, IPipelineTaskHandler<TTask, TResult>
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (registration.Stages.Any(s => string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase)))
            throw new ArgumentException($"Pipeline '{registration.Name}' already has a stage '{name}'.", nameof(name));
        var stage = new PipelineStage<TInput, TPrev, TTask, TResult, THandler>(registration, name, registration.Stages.Count,
            queue ?? $"{registration.Name}-{name}", fanOut, reduce)
        {
            Concurrency = concurrency,
            Retry = retry ?? RetryPolicy.Default,
        };
        registration.Add(stage);
        return new PipelineBuilder<TInput, TResult>(registration);
    }
}
