namespace Ferry.Jobs;

/// <summary>What the worker did with a delivered job.</summary>
public enum JobOutcomeKind
{
    /// <summary>The handler succeeded; the message was completed.</summary>
    Completed,

    /// <summary>The attempt failed; the job will be delivered again after <see cref="JobOutcome.RetryDelay"/>.</summary>
    Retrying,

    /// <summary>The job failed for good (last attempt, permanent error, unreadable payload) and was dead-lettered.</summary>
    DeadLettered,

    /// <summary>The host stopped during the attempt; the message was abandoned for another worker.</summary>
    Abandoned,
}

/// <summary>Reported through <see cref="FerryJobsOptions.OnOutcome"/> after the worker has settled a delivery.</summary>
public sealed record JobOutcome(
    string JobType,
    string Queue,
    string JobId,
    int Attempt,
    JobOutcomeKind Kind,
    TimeSpan? RetryDelay = null,
    Exception? Exception = null);
