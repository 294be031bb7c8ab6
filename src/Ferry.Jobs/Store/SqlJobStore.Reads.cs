using System.Data;
using System.Data.Common;
using System.Globalization;
using System.Text;

namespace Ferry.Jobs.Store;

public abstract partial class SqlJobStore
{
    private const string JobColumns =
        "id, type, queue, state, attempts, max_attempts, created_at, started_at, finished_at, updated_at, result, error_type, error_message";

    public async Task<JobDetails?> GetJobAsync(string jobId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(jobId);
        var connection = await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            JobSummary job;
            using (var command = Command(connection, null, $"SELECT {JobColumns} FROM ferry_jobs WHERE id = @id"))
            {
                Add(command, "id", jobId, DbType.String);
                var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                await using (reader.ConfigureAwait(false))
                {
                    if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                        return null;
                    job = ReadSummary(reader);
                }
            }

            var counts = new Dictionary<(string Stage, string State), int>();
            using (var command = Command(connection, null, "SELECT stage, state, COUNT(*) FROM ferry_job_tasks WHERE job_id = @id GROUP BY stage, state"))
            {
                Add(command, "id", jobId, DbType.String);
                var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                await using (reader.ConfigureAwait(false))
                {
                    while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                        counts[(reader.GetString(0), reader.GetString(1))] = Int(reader, 2);
                }
            }

            var stages = new List<StageProgress>();
            using (var command = Command(connection, null,
                "SELECT name, position, state, tasks_total, started_at, finished_at FROM ferry_job_stages WHERE job_id = @id ORDER BY position, name"))
            {
                Add(command, "id", jobId, DbType.String);
                var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                await using (reader.ConfigureAwait(false))
                {
                    while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    {
                        var name = reader.GetString(0);
                        stages.Add(new StageProgress
                        {
                            Name = name,
                            Position = Int(reader, 1),
                            State = ParseState(reader.GetString(2)),
                            TasksTotal = Int(reader, 3),
                            TasksSucceeded = counts.GetValueOrDefault((name, nameof(JobState.Succeeded))),
                            TasksFailed = counts.GetValueOrDefault((name, nameof(JobState.Failed)))
                                + counts.GetValueOrDefault((name, nameof(JobState.DeadLettered))),
                            TasksRunning = counts.GetValueOrDefault((name, nameof(JobState.Running))),
                            StartedAt = Timestamp(reader, 4),
                            FinishedAt = Timestamp(reader, 5),
                        });
                    }
                }
            }

            var errors = new List<JobError>();
            using (var command = Command(connection, null, """
                SELECT stage, task_id, error_type, error_message FROM ferry_job_tasks
                WHERE job_id = @id AND error_type IS NOT NULL ORDER BY updated_at DESC, stage, task_id LIMIT 20
                """))
            {
                Add(command, "id", jobId, DbType.String);
                var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                await using (reader.ConfigureAwait(false))
                {
                    while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                        errors.Add(new JobError(reader.GetString(2), NullableString(reader, 3), reader.GetString(0), reader.GetString(1)));
                }
            }
            return new JobDetails { Job = job, Stages = stages, TaskErrors = errors };
        }
    }

    public async Task<JobState?> GetJobStateAsync(string jobId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(jobId);
        var connection = await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            using var command = Command(connection, null, "SELECT state FROM ferry_jobs WHERE id = @id");
            Add(command, "id", jobId, DbType.String);
            return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is string state ? ParseState(state) : null;
        }
    }

    public async Task<JobPage> ListJobsAsync(JobQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (query.Limit is < 1 or > 1000)
            throw new ArgumentOutOfRangeException(nameof(query), query.Limit, "The limit is 1 to 1000.");
        (long CreatedAt, string Id)? after = query.Continuation is null ? null : DecodeContinuation(query.Continuation);

        var sql = new StringBuilder($"SELECT {JobColumns} FROM ferry_jobs WHERE 1 = 1");
        if (query.Type is not null)
            sql.Append(" AND type = @type");
        if (query.State is not null)
            sql.Append(" AND state = @state");
        if (after is not null)
            sql.Append(" AND (created_at < @after_created OR (created_at = @after_created AND id < @after_id))");
        sql.Append(" ORDER BY created_at DESC, id DESC LIMIT @limit");

        var connection = await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            using var command = Command(connection, null, sql.ToString());
            if (query.Type is not null)
                Add(command, "type", query.Type, DbType.String);
            if (query.State is { } state)
                Add(command, "state", state.ToString(), DbType.String);
            if (after is { } a)
            {
                Add(command, "after_created", a.CreatedAt, DbType.Int64);
                Add(command, "after_id", a.Id, DbType.String);
            }
            Add(command, "limit", query.Limit + 1, DbType.Int32);
            var jobs = new List<JobSummary>(Math.Min(query.Limit + 1, 64));
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    jobs.Add(ReadSummary(reader));
            }
            string? continuation = null;
            if (jobs.Count > query.Limit)
            {
                jobs.RemoveAt(jobs.Count - 1);
                var last = jobs[^1];
                continuation = EncodeContinuation(last.CreatedAt.ToUnixTimeMilliseconds(), last.Id);
            }
            return new JobPage(jobs, continuation);
        }
    }

    public async Task<IReadOnlyDictionary<JobState, long>> CountJobsAsync(string? type = null, CancellationToken cancellationToken = default)
    {
        var connection = await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            using var command = Command(connection, null, type is null
                ? "SELECT state, COUNT(*) FROM ferry_jobs GROUP BY state"
                : "SELECT state, COUNT(*) FROM ferry_jobs WHERE type = @type GROUP BY state");
            if (type is not null)
                Add(command, "type", type, DbType.String);
            var counts = new Dictionary<JobState, long>();
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    counts[ParseState(reader.GetString(0))] = Convert.ToInt64(reader.GetValue(1), CultureInfo.InvariantCulture);
            }
            return counts;
        }
    }

    public async Task<IReadOnlyList<StoredJob>> GetQueuedLocallyAsync(int max, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(max, 1);
        var connection = await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            using var command = Command(connection, null, """
                SELECT id, type, queue, payload, created_at FROM ferry_jobs
                WHERE state = 'QueuedLocally' AND payload IS NOT NULL ORDER BY created_at, id LIMIT @limit
                """);
            Add(command, "limit", max, DbType.Int32);
            return await ReadStoredAsync(command, cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task<StoredJob?> GetStoredJobAsync(string jobId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(jobId);
        var connection = await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            using var command = Command(connection, null,
                "SELECT id, type, queue, payload, created_at FROM ferry_jobs WHERE id = @id AND payload IS NOT NULL");
            Add(command, "id", jobId, DbType.String);
            var jobs = await ReadStoredAsync(command, cancellationToken).ConfigureAwait(false);
            return jobs.Count == 0 ? null : jobs[0];
        }
    }

    private static async Task<List<StoredJob>> ReadStoredAsync(DbCommand command, CancellationToken cancellationToken)
    {
        var jobs = new List<StoredJob>();
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                jobs.Add(new StoredJob(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetFieldValue<byte[]>(3),
                    DateTimeOffset.FromUnixTimeMilliseconds(Long(reader, 4))));
            }
        }
        return jobs;
    }

    private static JobSummary ReadSummary(DbDataReader reader)
    {
        var errorType = NullableString(reader, 11);
        return new JobSummary
        {
            Id = reader.GetString(0),
            Type = reader.GetString(1),
            Queue = reader.GetString(2),
            State = ParseState(reader.GetString(3)),
            Attempts = Int(reader, 4),
            MaxAttempts = reader.IsDBNull(5) ? null : Int(reader, 5),
            CreatedAt = DateTimeOffset.FromUnixTimeMilliseconds(Long(reader, 6)),
            StartedAt = Timestamp(reader, 7),
            FinishedAt = Timestamp(reader, 8),
            UpdatedAt = DateTimeOffset.FromUnixTimeMilliseconds(Long(reader, 9)),
            ResultJson = NullableString(reader, 10),
            Error = errorType is null ? null : new JobError(errorType, NullableString(reader, 12)),
        };
    }

    private static JobState ParseState(string text) =>
        Enum.TryParse<JobState>(text, out var state) ? state : throw new InvalidDataException($"The job store holds an unknown state '{text}'.");

    private static int Int(DbDataReader reader, int ordinal) => Convert.ToInt32(reader.GetValue(ordinal), CultureInfo.InvariantCulture);

    private static long Long(DbDataReader reader, int ordinal) => Convert.ToInt64(reader.GetValue(ordinal), CultureInfo.InvariantCulture);

    private static DateTimeOffset? Timestamp(DbDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : DateTimeOffset.FromUnixTimeMilliseconds(Long(reader, ordinal));

    private static string? NullableString(DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    private static string EncodeContinuation(long createdAt, string id) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{createdAt}:{id}")))
            .TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static (long, string) DecodeContinuation(string continuation)
    {
        try
        {
            var base64 = continuation.Replace('-', '+').Replace('_', '/');
            base64 = base64.PadRight(base64.Length + ((4 - (base64.Length % 4)) % 4), '=');
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(base64));
            var colon = text.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0 && long.TryParse(text.AsSpan(0, colon), NumberStyles.None, CultureInfo.InvariantCulture, out var createdAt) && colon < text.Length - 1)
                return (createdAt, text[(colon + 1)..]);
        }
        catch (FormatException)
        {
        }
        throw new ArgumentException("The continuation token is not one this store made.", nameof(continuation));
    }
}
