namespace Ferry.Jobs.Store;

/// <summary>What happened to a job, a stage or a task; see <see cref="JobEvent"/> for the fields each one carries.</summary>
public enum JobEventKind
{
    /// <summary>Sent to the broker (state Queued). Carries Type, Queue, Payload, MaxAttempts.</summary>
    Submitted,

    /// <summary>Kept in the store because the broker was unreachable (QueuedLocally). Carries Type, Queue, Payload, MaxAttempts.</summary>
    QueuedLocally,

    /// <summary>A job kept locally has been sent (QueuedLocally → Queued; no change in any other state).</summary>
    Forwarded,

    /// <summary>An attempt started (Running). Carries Type, Queue, Attempt.</summary>
    Started,

    /// <summary>The job succeeded. Carries Attempt and, optionally, ResultJson.</summary>
    Succeeded,

    /// <summary>An attempt failed and will be retried (Retrying). Carries Attempt, ErrorType, ErrorMessage.</summary>
    AttemptFailed,

    /// <summary>Failed for good without dead-lettering. Carries ErrorType, ErrorMessage.</summary>
    Failed,

    /// <summary>Failed for good and dead-lettered. Carries Attempt, ErrorType, ErrorMessage.</summary>
    DeadLettered,

    Cancelled,

    /// <summary>Sent again by a retry or a dead-letter replay (Queued; finish time and error cleared).</summary>
    Requeued,

    /// <summary>A stage began (Running). Carries Stage, StagePosition, TasksTotal.</summary>
    StageStarted,

    /// <summary>A stage ended. Carries Stage and State (Succeeded, Failed or Cancelled).</summary>
    StageFinished,

    /// <summary>A task of a stage changed. Carries Stage, TaskId, State, Attempt, and ErrorType/ErrorMessage when it failed.</summary>
    TaskChanged,
}

/// <summary>
/// One change to a job's status, appended to an <see cref="IJobStore"/> and written by its background writer. Events of
/// one job are applied in the order they were appended. Every job event upserts: an event about a job the store has
/// not seen (a worker recording a job submitted by a process without a store) creates it from Type and Queue.
/// </summary>
public sealed record JobEvent(JobEventKind Kind, string JobId, DateTimeOffset At)
{
    public string? Type { get; init; }
    public string? Queue { get; init; }

    /// <summary>The message body (UTF-8 JSON), kept so a job queued locally can be forwarded and a finished job retried.</summary>
    public ReadOnlyMemory<byte>? Payload { get; init; }

    public int? MaxAttempts { get; init; }
    public int Attempt { get; init; }

    /// <summary>The job's result as JSON text.</summary>
    public string? ResultJson { get; init; }

    public string? ErrorType { get; init; }
    public string? ErrorMessage { get; init; }
    public string? Stage { get; init; }
    public int StagePosition { get; init; }
    public int TasksTotal { get; init; }
    public string? TaskId { get; init; }

    /// <summary>The state of a stage (StageFinished) or a task (TaskChanged).</summary>
    public JobState State { get; init; }

    /// <summary>Sets ErrorType (the exception's full type name) and ErrorMessage, truncated to 1024 characters.</summary>
    public JobEvent WithError(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return this with
        {
            ErrorType = JobMessages.Truncate(exception.GetType().FullName ?? exception.GetType().Name, 1024),
            ErrorMessage = JobMessages.Truncate(exception.Message, 1024),
        };
    }
}
