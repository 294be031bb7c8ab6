namespace Ferry.Jobs.Store;

/// <summary>
/// The job status store: jobs, their stages and tasks, with state, attempts, times, result, error and progress.
/// Writes are appended to a queue and committed in batches by a background writer, so recording a status never blocks
/// a worker; <see cref="FlushAsync"/> waits for durability. Reads go straight to the database and do not wait for the
/// writer. Thread-safe.
/// </summary>
public interface IJobStore : IAsyncDisposable
{
    /// <summary>Creates or migrates the schema and starts the background writer. Idempotent.</summary>
    Task StartAsync(CancellationToken cancellationToken = default);

    /// <summary>Queues an event for the background writer. Never blocks; events appended before StartAsync wait for it.</summary>
    void Append(JobEvent jobEvent);

    /// <summary>
    /// Completes when every event appended before the call has been committed. Throws the writer's error when a batch
    /// holding one of them could not be committed.
    /// </summary>
    Task FlushAsync(CancellationToken cancellationToken = default);

    /// <summary>A job with its stages, task counts and recent task errors; null when the store does not know it.</summary>
    Task<JobDetails?> GetJobAsync(string jobId, CancellationToken cancellationToken = default);

    /// <summary>Just a job's state (null when unknown): one indexed read, for the worker's cancel check.</summary>
    Task<JobState?> GetJobStateAsync(string jobId, CancellationToken cancellationToken = default);

    /// <summary>Jobs newest first (by creation time, then id), filtered by type and state.</summary>
    /// <exception cref="ArgumentException">The limit is out of range or the continuation is not one this store made.</exception>
    Task<JobPage> ListJobsAsync(JobQuery query, CancellationToken cancellationToken = default);

    /// <summary>How many jobs are in each state (states with none are left out), optionally of one type.</summary>
    Task<IReadOnlyDictionary<JobState, long>> CountJobsAsync(string? type = null, CancellationToken cancellationToken = default);

    /// <summary>Jobs in state QueuedLocally, oldest first, with their bodies.</summary>
    Task<IReadOnlyList<StoredJob>> GetQueuedLocallyAsync(int max, CancellationToken cancellationToken = default);

    /// <summary>A job's stored body (null when the store has none), to send it again.</summary>
    Task<StoredJob?> GetStoredJobAsync(string jobId, CancellationToken cancellationToken = default);
}
