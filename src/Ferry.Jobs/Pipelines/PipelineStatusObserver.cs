using Ferry.Jobs.Store;

namespace Ferry.Jobs;

/// <summary>
/// Bridges a pipeline's progress into the lifecycle hook, so that a status store (and any <see cref="IJobObserver"/>)
/// sees a pipeline job as a job with stages: <see cref="PipelineEventKind.Started"/> records the job (type = the
/// pipeline's name, queue = its control queue) as submitted and running; <see cref="PipelineEventKind.StageStarted"/>
/// and <see cref="PipelineEventKind.StageCompleted"/> record the stage's start (with its task count) and end
/// (<see cref="JobState.Failed"/> when a task failed under <see cref="PipelineFailurePolicy.FailJob"/>, so the stage
/// fails the job; else <see cref="JobState.Succeeded"/>, its failed tasks counted in its progress);
/// <see cref="PipelineEventKind.Completed"/> and <see cref="PipelineEventKind.Failed"/> finish the job, with the result
/// or the reason. Each task's outcome is published by its stage (<see cref="PipelineStage"/>) as a
/// <see cref="JobEventKind.TaskChanged"/>. Registered by <c>AddFerryJobs</c> when a pipeline is; it does nothing while
/// no observer listens. Publishing only queues the event, so it never blocks the coordinator.
/// </summary>
internal sealed class PipelineStatusObserver(JobLifecycle lifecycle, FerryJobsOptions options) : IPipelineObserver
{
    public ValueTask OnPipelineEventAsync(PipelineEvent pipelineEvent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pipelineEvent);
        if (!lifecycle.IsEnabled)
            return ValueTask.CompletedTask;
        var e = pipelineEvent;
        var pipeline = options.Pipelines.FirstOrDefault(p => p.Name == e.Pipeline);
        switch (e.Kind)
        {
            case PipelineEventKind.Started:
                var queue = pipeline?.ControlQueue;
                lifecycle.Publish(new JobEvent(JobEventKind.Submitted, e.JobId, e.At) { Type = e.Pipeline, Queue = queue, MaxAttempts = 1 });
                lifecycle.Publish(new JobEvent(JobEventKind.Started, e.JobId, e.At) { Type = e.Pipeline, Queue = queue, Attempt = 1 });
                break;
            case PipelineEventKind.StageStarted:
                lifecycle.Publish(new JobEvent(JobEventKind.StageStarted, e.JobId, e.At)
                {
                    Stage = e.Stage, StagePosition = e.StageIndex, TasksTotal = e.TaskCount,
                });
                break;
            case PipelineEventKind.StageCompleted:
                lifecycle.Publish(new JobEvent(JobEventKind.StageFinished, e.JobId, e.At)
                {
                    Stage = e.Stage, StagePosition = e.StageIndex, TasksTotal = e.TaskCount,
                    State = e.Failed > 0 && pipeline?.OnFailure != PipelineFailurePolicy.ContinueWithFailures ? JobState.Failed : JobState.Succeeded,
                });
                break;
            case PipelineEventKind.Completed:
                lifecycle.Publish(new JobEvent(JobEventKind.Succeeded, e.JobId, e.At) { ResultJson = e.Result?.GetRawText() });
                break;
            case PipelineEventKind.Failed:
                lifecycle.Publish(new JobEvent(JobEventKind.Failed, e.JobId, e.At)
                {
                    ErrorType = "PipelineFailed", ErrorMessage = JobMessages.Truncate(e.Error ?? "", 1024),
                });
                break;
        }
        return ValueTask.CompletedTask;
    }
}
