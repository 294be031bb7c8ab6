namespace Ferry.Jobs;

/// <summary>
/// Runs one task of a pipeline stage and returns its result, which the stage's fan-in keeps (or reduces) for the next
/// stage. Throw to fail the attempt (retried per the stage's <see cref="RetryPolicy"/>); throw
/// <see cref="PermanentJobException"/> to fail the task at once. A task that fails for good is recorded as a failure of
/// its stage (see <see cref="PipelineFailurePolicy"/>) and dead-lettered. Tasks run at least once: a worker killed after
/// the handler returned may run it again, so handlers must be idempotent. The context's <c>JobId</c> is the task's id
/// (<c>{job}/{stage}/{task}</c>); <see cref="PipelineTask"/> reads the pipeline's job id, stage and task index.
/// </summary>
public interface IPipelineTaskHandler<TTask, TResult>
{
    Task<TResult> HandleAsync(JobContext<TTask> task, CancellationToken cancellationToken);
}
