using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace Ferry.Jobs.Store;

/// <summary>
/// The job status store in a SQLite file (the default engine). WAL journaling lets status reads run while the writer
/// commits; several processes may share the file (writers wait for each other through SQLite's busy timeout).
/// </summary>
public sealed class SqliteJobStore : SqlJobStore
{
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
            created_at INTEGER NOT NULL,
            started_at INTEGER,
            finished_at INTEGER,
            updated_at INTEGER NOT NULL,
            payload BLOB,
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
            started_at INTEGER,
            finished_at INTEGER,
            updated_at INTEGER NOT NULL,
            PRIMARY KEY (job_id, name));
        CREATE TABLE ferry_job_tasks (
            job_id TEXT NOT NULL,
            stage TEXT NOT NULL,
            task_id TEXT NOT NULL,
            state TEXT NOT NULL,
            attempts INTEGER NOT NULL,
            error_type TEXT,
            error_message TEXT,
            updated_at INTEGER NOT NULL,
            PRIMARY KEY (job_id, stage, task_id));
        """,
    ];

    private readonly string _connectionString;

    /// <param name="path">The database file; created with its directory when missing.</param>
    /// <param name="timeProvider">The clock for retry delays (event times come from the events).</param>
    /// <param name="logger">Where writer failures are logged.</param>
    public SqliteJobStore(string path, TimeProvider? timeProvider = null, ILogger? logger = null)
        : base(timeProvider, logger)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        Path = System.IO.Path.GetFullPath(path);
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = Path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();
    }

    /// <summary>The database file's full path.</summary>
    public string Path { get; }

    /// <summary>The default file: <c>ferry-jobs.db</c> beside the application.</summary>
    public static string DefaultPath => System.IO.Path.Combine(AppContext.BaseDirectory, "ferry-jobs.db");

    protected override IReadOnlyList<string> Migrations => s_migrations;

    protected override async ValueTask<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            using var pragma = connection.CreateCommand();
            // WAL persists in the file; synchronous=NORMAL is durable across a process crash in WAL mode and only a power
            // loss can take back the last commits. FlushAsync callers (store-and-forward) accept that, as SQLite apps do.
            pragma.CommandText = "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;";
            await pragma.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    protected override ValueTask<DbTransaction> BeginWriteAsync(DbConnection connection, CancellationToken cancellationToken) =>
        ValueTask.FromResult<DbTransaction>(((SqliteConnection)connection).BeginTransaction(System.Data.IsolationLevel.Serializable, deferred: false));

    public override Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (System.IO.Path.GetDirectoryName(Path) is { Length: > 0 } directory)
            Directory.CreateDirectory(directory);
        return base.StartAsync(cancellationToken);
    }
}
