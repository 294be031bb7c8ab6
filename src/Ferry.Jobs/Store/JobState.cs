namespace Ferry.Jobs.Store;

/// <summary>Where a job, a stage or a task stands. Stored by name, so new states never renumber old rows.</summary>
public enum JobState
{
    /// <summary>Sent to the broker; no worker has started it yet.</summary>
    Queued,

    /// <summary>Accepted while the broker was unreachable: kept in the local store until the forwarder sends it.</summary>
    QueuedLocally,

    /// <summary>A worker is running an attempt.</summary>
    Running,

    /// <summary>An attempt failed; the job will be delivered again after the retry delay.</summary>
    Retrying,

    Succeeded,

    /// <summary>Failed for good without being dead-lettered (a pipeline stage or task).</summary>
    Failed,

    Cancelled,

    /// <summary>Failed for good and moved to the queue's dead-letter queue.</summary>
    DeadLettered,
}

/// <summary>Helpers over <see cref="JobState"/>.</summary>
public static class JobStates
{
    /// <summary>Succeeded, Failed, Cancelled and DeadLettered: nothing more happens unless the job is retried.</summary>
    public static bool IsFinished(this JobState state) =>
        state is JobState.Succeeded or JobState.Failed or JobState.Cancelled or JobState.DeadLettered;

    /// <summary>Parses a stored or requested state name, ignoring case.</summary>
    public static bool TryParse(string? text, out JobState state) =>
        Enum.TryParse(text, ignoreCase: true, out state) && Enum.IsDefined(state) && !int.TryParse(text, out _);
}
