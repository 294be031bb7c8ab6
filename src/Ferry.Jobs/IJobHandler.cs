namespace Ferry.Jobs;

/// <summary>
/// Handles one job type. Return normally to complete the job; throw to fail the attempt (it is retried per the job
/// type's <see cref="RetryPolicy"/>); throw <see cref="PermanentJobException"/> to dead-letter at once. The token is
/// cancelled when the host stops (the job is then abandoned and redelivered). Handlers are resolved from a fresh DI
/// scope per message (registered or not).
/// </summary>
public interface IJobHandler<TPayload>
{
    Task HandleAsync(JobContext<TPayload> context, CancellationToken cancellationToken);
}
