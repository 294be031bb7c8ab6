namespace Ferry.Jobs;

/// <summary>Starts pipeline jobs. Registered by <c>AddFerryJobs</c>; thread-safe; shares the worker's connection.</summary>
public interface IPipelineClient
{
    /// <summary>
    /// Starts a job of the named pipeline with its input and returns the job id. The start is a message to the
    /// pipeline's control queue with SessionId = job id and MessageId <c>{job}/start</c>, so a repeat within the duplicate
    /// detection window (and, after it, any start of a job that has state) is ignored. Job ids are 1 to 64 characters.
    /// </summary>
    Task<string> StartAsync<TInput>(string pipeline, TInput input, string? jobId = null, CancellationToken cancellationToken = default);
}
