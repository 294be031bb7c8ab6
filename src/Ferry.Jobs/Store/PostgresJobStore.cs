using System.Data.Common;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Ferry.Jobs.Store;

/// <summary>
/// The job status store in PostgreSQL, for several API and worker processes sharing one store. Tables are created in the
/// connection's default schema (<c>search_path</c>); concurrent first starts are serialized by an advisory lock.
/// </summary>
public sealed class PostgresJobStore : SqlJobStore
{
    /// <summary>The advisory lock key that serializes migrations (an arbitrary constant: "ferryjob" in ASCII).</summary>
    private const long MigrationLock = 0x66657272796A6F62;

    private static readonly string[] s_migrations =
    [
        """
        CREATE TABLE ferry_jobs (
            id TEXT NOT NULL PRIMARY KEY,
            type TEXT NOT NULL,
            queue TEXT NOT NULL,
            state TEXT NOT NULL,
            attempts INTEGER NOT NULL,
            max_attempts INTEGER,
            created_at BIGINT NOT NULL,
            started_at BIGINT,
            finished_at BIGINT,
            updated_at BIGINT NOT NULL,
            payload BYTEA,
            result TEXT,
            error_type TEXT,
            error_message TEXT);
        CREATE INDEX ferry_jobs_by_created ON ferry_jobs (created_at, id);
        CREATE INDEX ferry_jobs_by_type_state ON ferry_jobs (type, state, created_at);
        CREATE INDEX ferry_jobs_by_state ON ferry_jobs (state, created_at);
        CREATE TABLE ferry_job_stages (
            job_id TEXT NOT NULL,
            name TEXT NOT NULL,
            position INTEGER NOT NULL,
            state TEXT NOT NULL,
            tasks_total INTEGER NOT NULL,
            started_at BIGINT,
            finished_at BIGINT,
            updated_at BIGINT NOT NULL,
            PRIMARY KEY (job_id, name));
        CREATE TABLE ferry_job_tasks (
            job_id TEXT NOT NULL,
            stage TEXT NOT NULL,
            task_id TEXT NOT NULL,
            state TEXT NOT NULL,
            attempts INTEGER NOT NULL,
            error_type TEXT,
            error_message TEXT,
            updated_at BIGINT NOT NULL,
            PRIMARY KEY (job_id, stage, task_id));
        """,
    ];

    private readonly NpgsqlDataSource _dataSource;

    /// <param name="connectionString">An Npgsql connection string (<c>Host=…;Database=…;Username=…;Password=…</c>).</param>
    /// <exception cref="ArgumentException">The connection string cannot be parsed.</exception>
    /// <param name="timeProvider">The clock for retry delays (event times come from the events).</param>
    /// <param name="logger">Where writer failures are logged.</param>
    public PostgresJobStore(string connectionString, TimeProvider? timeProvider = null, ILogger? logger = null)
        : base(timeProvider, logger)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        _dataSource = NpgsqlDataSource.Create(connectionString);
    }

    protected override IReadOnlyList<string> Migrations => s_migrations;

    protected override async ValueTask<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken) =>
        await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);

    protected override async Task LockForMigrationAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken)
    {
        using var command = new NpgsqlCommand("SELECT pg_advisory_xact_lock(@key)", (NpgsqlConnection)connection, (NpgsqlTransaction)transaction);
        command.Parameters.AddWithValue("key", MigrationLock);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    protected override ValueTask CloseAsync() => _dataSource.DisposeAsync();
}
