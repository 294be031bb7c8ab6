using System.Globalization;
using System.Text.Json;
using Amqp;
using Ferry.Jobs.Store;
using Microsoft.Extensions.DependencyInjection;

namespace Ferry.Jobs;

/// <summary>
/// One stage of a pipeline. It is also the job type of the stage's tasks (its <see cref="JobRegistration.Queue"/>,
/// concurrency and retry policy), run by the ordinary job consumer; on success a task reports its result to the
/// coordinator, and on final failure its error, before its message is settled.
/// </summary>
public abstract class PipelineStage : JobRegistration
{
    private protected PipelineStage(PipelineRegistration pipeline, string name, int index, Type taskType, string queue) : base(taskType, queue)
    {
        Pipeline = pipeline;
        Name = name;
        Index = index;
        JobType = $"{pipeline.Name}/{name}";
    }

    public PipelineRegistration Pipeline { get; }

    public string Name { get; }

    /// <summary>0 for the first stage.</summary>
    public int Index { get; }

    /// <summary>True when the stage reduces its results instead of keeping one per task.</summary>
    public abstract bool Reduces { get; }

    /// <summary>The stage's task payloads, serialized, from the job input and the previous stage's boxed result (null for stage 0).</summary>
    internal abstract IEnumerable<byte[]> FanOut(JsonElement input, object? previous, JsonSerializerOptions options);

    internal abstract JsonElement Reduce(JsonElement aggregate, JsonElement result, JsonSerializerOptions options);

    /// <summary>A boxed <see cref="StageResult{TResult}"/> of this stage from the state after its fan-in.</summary>
    internal abstract object BuildResult(PipelineState state, JsonSerializerOptions options);

    internal abstract JsonElement ResultJson(PipelineState state, JsonSerializerOptions options);

    internal override async Task BeforeDeadLetterAsync(IServiceProvider services, JobDelivery delivery, Exception reason, CancellationToken cancellationToken)
    {
        // The handler succeeded but its result could not be sent: that is no failure of the task. Throwing here makes
        // the consumer abandon the message, so a later delivery runs it and reports again.
        if (reason is OutcomeNotReportedException)
            throw reason;
        var (jobId, stage, task) = Place(delivery);
        var error = JsonSerializer.SerializeToUtf8Bytes(new { reason = reason.GetType().FullName, description = reason.Message });
        await services.GetRequiredService<EntitySenders>()
            .SendAsync(Pipeline.ControlQueue, PipelineMessages.FailedEvent(jobId, stage, task, error), cancellationToken).ConfigureAwait(false);
        PublishTask(services, delivery, JobState.DeadLettered, reason);
    }

    /// <summary>A task's outcome for the status store (see <see cref="PipelineStatusObserver"/>), once it has been reported to the coordinator.</summary>
    private protected void PublishTask(IServiceProvider services, JobDelivery delivery, JobState state, Exception? error = null)
    {
        var lifecycle = services.GetRequiredService<JobLifecycle>();
        if (!lifecycle.IsEnabled)
            return;
        var (jobId, _, task) = Place(delivery);
        var changed = new JobEvent(JobEventKind.TaskChanged, jobId, lifecycle.Now)
        {
            Stage = Name, StagePosition = Index, TaskId = task.ToString(CultureInfo.InvariantCulture), State = state, Attempt = delivery.Attempt,
        };
        lifecycle.Publish(error is null ? changed : changed.WithError(error));
    }

    private protected async Task ReportDoneAsync(IServiceProvider services, JobDelivery delivery, byte[] result, CancellationToken cancellationToken)
    {
        var (jobId, stage, task) = Place(delivery);
        await services.GetRequiredService<EntitySenders>()
            .SendAsync(Pipeline.ControlQueue, PipelineMessages.DoneEvent(jobId, stage, task, result), cancellationToken).ConfigureAwait(false);
    }

    private static (string JobId, int Stage, int Task) Place(JobDelivery delivery)
    {
        var p = delivery.Properties;
        if (!p.TryGetValue(PipelineMessages.JobProperty, out var job) || job is not string jobId || !p.TryGetValue(PipelineMessages.StageProperty, out var stage)
            || !p.TryGetValue(PipelineMessages.TaskProperty, out var task))
            throw new AmqpException(new Amqp.Framing.Error(new Amqp.Types.Symbol("ferry:not-a-pipeline-task"))
            {
                Description = $"Message {delivery.MessageId} carries no {PipelineMessages.JobProperty}, {PipelineMessages.StageProperty} and {PipelineMessages.TaskProperty}.",
            });
        return (jobId, JobMessages.ToInt(stage), JobMessages.ToInt(task));
    }
}

internal sealed class PipelineStage<TInput, TPrevious, TTask, TResult, THandler>(
    PipelineRegistration pipeline,
    string name,
    int index,
    string queue,
    Func<TInput, StageResult<TPrevious>?, IEnumerable<TTask>> fanOut,
    Func<TResult, TResult, TResult>? reduce) : PipelineStage(pipeline, name, index, typeof(TTask), queue)
    where THandler : class, IPipelineTaskHandler<TTask, TResult>
{
    public override bool Reduces => reduce is not null;

    internal override object? Deserialize(ReadOnlySpan<byte> body, JsonSerializerOptions options) => JsonSerializer.Deserialize<TTask>(body, options);

    internal override async Task InvokeAsync(IServiceProvider services, object? payload, JobDelivery delivery, CancellationToken cancellationToken)
    {
        TResult result;
        var scope = services.CreateAsyncScope();
        await using (scope.ConfigureAwait(false))
        {
            var handler = ActivatorUtilities.GetServiceOrCreateInstance<THandler>(scope.ServiceProvider);
            result = await handler.HandleAsync(new JobContext<TTask>((TTask)payload!, delivery), cancellationToken).ConfigureAwait(false);
        }
        var options = services.GetRequiredService<FerryJobsOptions>().SerializerOptions;
        // Reported before the consumer completes the task message: a crash in between runs the task again, and the
        // second report carries the same MessageId, which duplicate detection (or the coordinator's bitmap) drops.
        try
        {
            await ReportDoneAsync(services, delivery, JsonSerializer.SerializeToUtf8Bytes(result, options), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            throw new OutcomeNotReportedException(ex);
        }
        PublishTask(services, delivery, JobState.Succeeded);
    }

    internal override IEnumerable<byte[]> FanOut(JsonElement input, object? previous, JsonSerializerOptions options)
    {
        var typedInput = input.Deserialize<TInput>(options)!;
        foreach (var task in fanOut(typedInput, (StageResult<TPrevious>?)previous))
            yield return JsonSerializer.SerializeToUtf8Bytes(task, options);
    }

    internal override JsonElement Reduce(JsonElement aggregate, JsonElement result, JsonSerializerOptions options) =>
        JsonSerializer.SerializeToElement(reduce!(aggregate.Deserialize<TResult>(options)!, result.Deserialize<TResult>(options)!), options);

    internal override object BuildResult(PipelineState state, JsonSerializerOptions options)
    {
        var results = new List<TResult>();
        if (state.Results is { } perTask)
        {
            foreach (var element in perTask)
            {
                if (element is { } value)
                    results.Add(value.Deserialize<TResult>(options)!);
            }
        }
        var aggregate = state.Aggregate is { } a ? a.Deserialize<TResult>(options) : default;
        return new StageResult<TResult>(Name, state.TaskCount, state.Succeeded, state.Failed, results, aggregate, [.. state.Failures]);
    }

    internal override JsonElement ResultJson(PipelineState state, JsonSerializerOptions options) =>
        JsonSerializer.SerializeToElement((StageResult<TResult>)BuildResult(state, options), options);
}
