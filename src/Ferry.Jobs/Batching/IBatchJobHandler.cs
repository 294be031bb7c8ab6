namespace Ferry.Jobs;

/// <summary>
/// Handles a batch of jobs of one type (registered with <c>AddBatchJob</c>). Each item succeeds unless the handler marks
/// it with <see cref="BatchItem{TPayload}.Fail"/> (retried per the job type's <see cref="RetryPolicy"/>, like a single
/// job) or <see cref="BatchItem{TPayload}.FailPermanently"/> (dead-lettered at once). An exception thrown by the handler
/// fails every item not already marked, as a failed attempt (a <see cref="PermanentJobException"/> dead-letters them).
/// The token is cancelled when the host stops: the whole batch is then abandoned. Resolved from a fresh DI scope per batch.
/// </summary>
public interface IBatchJobHandler<TPayload>
{
    Task HandleAsync(JobBatch<TPayload> batch, CancellationToken cancellationToken);
}
