using System.Data;
using System.Data.Common;

namespace Ferry.Jobs.Store;

public abstract partial class SqlJobStore
{
    private const string UpsertJob = """
        INSERT INTO ferry_jobs (id, type, queue, state, attempts, max_attempts, created_at, started_at, finished_at, updated_at, payload, result, error_type, error_message)
        VALUES (@id, @type, @queue, @state, @attempt, @max_attempts, @at, @started_at, @finished_at, @at, @payload, @result, @error_type, @error_message)
        ON CONFLICT (id) DO UPDATE SET
        """;

    private const string Attempts = "attempts = CASE WHEN excluded.attempts > ferry_jobs.attempts THEN excluded.attempts ELSE ferry_jobs.attempts END";

    // Per event kind, what an existing row takes from the event (excluded.*) and what it keeps (ferry_jobs.*).
    private const string OnSubmitted = UpsertJob + """
         state = CASE WHEN ferry_jobs.state = 'QueuedLocally' AND excluded.state = 'Queued' THEN 'Queued' ELSE ferry_jobs.state END,
         payload = COALESCE(ferry_jobs.payload, excluded.payload),
         max_attempts = COALESCE(excluded.max_attempts, ferry_jobs.max_attempts),
         created_at = CASE WHEN excluded.created_at < ferry_jobs.created_at THEN excluded.created_at ELSE ferry_jobs.created_at END,
         updated_at = excluded.updated_at
        """;

    private const string OnForwarded = UpsertJob + """
         state = CASE WHEN ferry_jobs.state = 'QueuedLocally' THEN 'Queued' ELSE ferry_jobs.state END, updated_at = excluded.updated_at
        """;

    private const string OnStarted = UpsertJob + """
         state = CASE WHEN ferry_jobs.state = 'Cancelled' THEN ferry_jobs.state ELSE 'Running' END,
        """ + Attempts + """
        , max_attempts = COALESCE(excluded.max_attempts, ferry_jobs.max_attempts),
         started_at = COALESCE(ferry_jobs.started_at, excluded.started_at), finished_at = NULL, updated_at = excluded.updated_at
        """;

    private const string OnSucceeded = UpsertJob + " state = excluded.state, " + Attempts + """
        , started_at = COALESCE(ferry_jobs.started_at, excluded.started_at), finished_at = excluded.finished_at,
         result = COALESCE(excluded.result, ferry_jobs.result), error_type = NULL, error_message = NULL, updated_at = excluded.updated_at
        """;

    private const string OnAttemptFailed = UpsertJob + " state = excluded.state, " + Attempts + """
        , error_type = excluded.error_type, error_message = excluded.error_message, updated_at = excluded.updated_at
        """;

    private const string OnFinishedWithError = UpsertJob + " state = excluded.state, " + Attempts + """
        , finished_at = excluded.finished_at, error_type = excluded.error_type, error_message = excluded.error_message, updated_at = excluded.updated_at
        """;

    private const string OnCancelled = UpsertJob + """
         state = excluded.state, finished_at = excluded.finished_at, updated_at = excluded.updated_at
        """;

    private const string OnRequeued = UpsertJob + """
         state = excluded.state, finished_at = NULL, result = NULL, error_type = NULL, error_message = NULL, updated_at = excluded.updated_at
        """;

    private const string OnStageStarted = """
        INSERT INTO ferry_job_stages (job_id, name, position, state, tasks_total, started_at, finished_at, updated_at)
        VALUES (@id, @stage, @position, 'Running', @tasks_total, @at, NULL, @at)
        ON CONFLICT (job_id, name) DO UPDATE SET state = 'Running', position = excluded.position, tasks_total = excluded.tasks_total,
         started_at = COALESCE(ferry_job_stages.started_at, excluded.started_at), finished_at = NULL, updated_at = excluded.updated_at
        """;

    private const string OnStageFinished = """
        INSERT INTO ferry_job_stages (job_id, name, position, state, tasks_total, started_at, finished_at, updated_at)
        VALUES (@id, @stage, @position, @state, @tasks_total, NULL, @at, @at)
        ON CONFLICT (job_id, name) DO UPDATE SET state = excluded.state, finished_at = excluded.finished_at, updated_at = excluded.updated_at
        """;

    private const string OnTaskChanged = """
        INSERT INTO ferry_job_tasks (job_id, stage, task_id, state, attempts, error_type, error_message, updated_at)
        VALUES (@id, @stage, @task_id, @state, @attempt, @error_type, @error_message, @at)
        ON CONFLICT (job_id, stage, task_id) DO UPDATE SET state = excluded.state,
         attempts = CASE WHEN excluded.attempts > ferry_job_tasks.attempts THEN excluded.attempts ELSE ferry_job_tasks.attempts END,
         error_type = excluded.error_type, error_message = excluded.error_message, updated_at = excluded.updated_at
        """;

    private static async Task ApplyAsync(DbConnection connection, DbTransaction transaction, JobEvent e, CancellationToken cancellationToken)
    {
        var at = e.At.ToUnixTimeMilliseconds();
        using var command = e.Kind switch
        {
            JobEventKind.StageStarted or JobEventKind.StageFinished => StageCommand(connection, transaction, e, at),
            JobEventKind.TaskChanged => TaskCommand(connection, transaction, e, at),
            _ => JobCommand(connection, transaction, e, at),
        };
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static DbCommand JobCommand(DbConnection connection, DbTransaction transaction, JobEvent e, long at)
    {
        var (sql, state) = e.Kind switch
        {
            JobEventKind.Submitted => (OnSubmitted, JobState.Queued),
            JobEventKind.QueuedLocally => (OnSubmitted, JobState.QueuedLocally),
            JobEventKind.Forwarded => (OnForwarded, JobState.Queued),
            JobEventKind.Started => (OnStarted, JobState.Running),
            JobEventKind.Succeeded => (OnSucceeded, JobState.Succeeded),
            JobEventKind.AttemptFailed => (OnAttemptFailed, JobState.Retrying),
            JobEventKind.Failed => (OnFinishedWithError, JobState.Failed),
            JobEventKind.DeadLettered => (OnFinishedWithError, JobState.DeadLettered),
            JobEventKind.Cancelled => (OnCancelled, JobState.Cancelled),
            JobEventKind.Requeued => (OnRequeued, JobState.Queued),
            _ => throw new ArgumentOutOfRangeException(nameof(e), e.Kind, "Not a job event."),
        };
        var finished = state.IsFinished();
        var command = Command(connection, transaction, sql);
        Add(command, "id", e.JobId, DbType.String);
        Add(command, "type", e.Type ?? "", DbType.String);
        Add(command, "queue", e.Queue ?? "", DbType.String);
        Add(command, "state", state.ToString(), DbType.String);
        Add(command, "attempt", e.Attempt, DbType.Int32);
        Add(command, "max_attempts", e.MaxAttempts, DbType.Int32);
        Add(command, "at", at, DbType.Int64);
        Add(command, "started_at", e.Kind is JobEventKind.Started or JobEventKind.Succeeded ? at : null, DbType.Int64);
        Add(command, "finished_at", finished ? at : null, DbType.Int64);
        Add(command, "payload", e.Payload is { } payload ? payload.ToArray() : null, DbType.Binary);
        Add(command, "result", e.ResultJson, DbType.String);
        Add(command, "error_type", e.ErrorType, DbType.String);
        Add(command, "error_message", e.ErrorMessage, DbType.String);
        return command;
    }

    private static DbCommand StageCommand(DbConnection connection, DbTransaction transaction, JobEvent e, long at)
    {
        var command = Command(connection, transaction, e.Kind == JobEventKind.StageStarted ? OnStageStarted : OnStageFinished);
        Add(command, "id", e.JobId, DbType.String);
        Add(command, "stage", e.Stage ?? throw new ArgumentException("A stage event names its stage.", nameof(e)), DbType.String);
        Add(command, "position", e.StagePosition, DbType.Int32);
        Add(command, "tasks_total", e.TasksTotal, DbType.Int32);
        Add(command, "state", e.State.ToString(), DbType.String);
        Add(command, "at", at, DbType.Int64);
        return command;
    }

    private static DbCommand TaskCommand(DbConnection connection, DbTransaction transaction, JobEvent e, long at)
    {
        var command = Command(connection, transaction, OnTaskChanged);
        Add(command, "id", e.JobId, DbType.String);
        Add(command, "stage", e.Stage ?? throw new ArgumentException("A task event names its stage.", nameof(e)), DbType.String);
        Add(command, "task_id", e.TaskId ?? throw new ArgumentException("A task event names its task.", nameof(e)), DbType.String);
        Add(command, "state", e.State.ToString(), DbType.String);
        Add(command, "attempt", e.Attempt, DbType.Int32);
        Add(command, "error_type", e.ErrorType, DbType.String);
        Add(command, "error_message", e.ErrorMessage, DbType.String);
        Add(command, "at", at, DbType.Int64);
        return command;
    }
}
