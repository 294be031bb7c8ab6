namespace Ferry.Jobs.Store;

/// <summary>A job as the store holds it.</summary>
public sealed record JobSummary
{
    public required string Id { get; init; }
    public required string Type { get; init; }
    public required string Queue { get; init; }
    public required JobState State { get; init; }

    /// <summary>Attempts started so far (the highest attempt number recorded).</summary>
    public int Attempts { get; init; }

    public int? MaxAttempts { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? StartedAt { get; init; }
    public DateTimeOffset? FinishedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }

    /// <summary>The result as JSON text, when the job recorded one.</summary>
    public string? ResultJson { get; init; }

    /// <summary>The last error: an exception's full type name and message.</summary>
    public JobError? Error { get; init; }
}

/// <summary>An error: an exception's full type name and message, and where it happened for a task.</summary>
public sealed record JobError(string Type, string? Message, string? Stage = null, string? TaskId = null);

/// <summary>A job with its stages and their progress (<see cref="IJobStore.GetJobAsync"/>).</summary>
public sealed record JobDetails
{
    public required JobSummary Job { get; init; }
    public required IReadOnlyList<StageProgress> Stages { get; init; }

    /// <summary>The most recent task errors (at most 20), newest first.</summary>
    public required IReadOnlyList<JobError> TaskErrors { get; init; }
}

/// <summary>A stage and its tasks' progress.</summary>
public sealed record StageProgress
{
    public required string Name { get; init; }
    public int Position { get; init; }
    public required JobState State { get; init; }
    public int TasksTotal { get; init; }
    public int TasksSucceeded { get; init; }
    public int TasksFailed { get; init; }
    public int TasksRunning { get; init; }
    public DateTimeOffset? StartedAt { get; init; }
    public DateTimeOffset? FinishedAt { get; init; }

    /// <summary>Tasks that have finished (succeeded or failed), out of the total; 0 when the total is unknown.</summary>
    public double Progress => TasksTotal <= 0 ? 0 : Math.Min(1.0, (double)(TasksSucceeded + TasksFailed) / TasksTotal);
}

/// <summary>A job kept in the store with its body, for the forwarder and for retries.</summary>
public sealed record StoredJob(string Id, string Type, string Queue, ReadOnlyMemory<byte> Payload, DateTimeOffset CreatedAt);

/// <summary>A page of <see cref="IJobStore.ListJobsAsync"/>: newest first; <see cref="Continuation"/> is null on the last page.</summary>
public sealed record JobPage(IReadOnlyList<JobSummary> Jobs, string? Continuation);

/// <summary>Which jobs to list. Limit is 1 to 1000 (default 50).</summary>
public sealed record JobQuery
{
    public string? Type { get; init; }
    public JobState? State { get; init; }
    public int Limit { get; init; } = 50;

    /// <summary>The <see cref="JobPage.Continuation"/> of the previous page.</summary>
    public string? Continuation { get; init; }
}
