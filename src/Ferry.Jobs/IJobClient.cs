namespace Ferry.Jobs;

/// <summary>Submits jobs. Registered by <c>AddFerryJobs</c>; thread-safe; shares the worker's connection.</summary>
public interface IJobClient
{
    /// <summary>
    /// Sends a job to its payload type's queue and returns its job id. A given <paramref name="jobId"/> becomes the
    /// MessageId, so on a queue with duplicate detection a repeat of the same id within the window is dropped
    /// (idempotent submit). Without one a new GUID is used.
    /// </summary>
    Task<string> SubmitAsync<TPayload>(TPayload payload, string? jobId = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Sends a job with a priority, written as the application property <c>ferry-priority</c>. A batch consumer
    /// (<c>AddBatchJob</c>) puts higher priorities first among the messages it holds; single-job consumers ignore it.
    /// </summary>
    Task<string> SubmitAsync<TPayload>(TPayload payload, int priority, string? jobId = null, CancellationToken cancellationToken = default);

    /// <summary>Sends a job to a named queue.</summary>
    Task<string> SubmitToAsync<TPayload>(string queue, TPayload payload, string? jobId = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// As <see cref="SubmitAsync{TPayload}(TPayload, string?, CancellationToken)"/>, and says where the job went. With a status store configured, a job the broker did not
    /// take within <c>StoreAndForwardTimeout</c> is kept in the store (committed before this returns) and sent later by
    /// the forwarder with the same MessageId: the receipt then has <see cref="JobReceipt.QueuedLocally"/> set. Without a
    /// store, broker failures are thrown, as by SubmitAsync.
    /// </summary>
    Task<JobReceipt> SubmitJobAsync<TPayload>(TPayload payload, string? jobId = null, CancellationToken cancellationToken = default);

    /// <summary>As <see cref="SubmitJobAsync"/>, to a named queue.</summary>
    Task<JobReceipt> SubmitJobToAsync<TPayload>(string queue, TPayload payload, string? jobId = null, CancellationToken cancellationToken = default);
}
