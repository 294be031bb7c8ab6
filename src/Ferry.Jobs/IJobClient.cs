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
}
