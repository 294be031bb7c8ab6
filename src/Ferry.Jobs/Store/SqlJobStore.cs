using System.Data;
using System.Data.Common;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ferry.Jobs.Store;

/// <summary>
/// The engine-independent part of the SQL stores: the background writer (group commit of appended events), the upsert
/// statements, the queries and the schema migrations. The SQL is the subset SQLite and PostgreSQL share (upsert with
/// <c>ON CONFLICT</c>, <c>CASE</c> instead of <c>max</c>/<c>greatest</c>), so both engines behave the same by construction;
/// the engines supply connections, the DDL and the migration lock.
/// </summary>
public abstract partial class SqlJobStore : IJobStore
{
    /// <summary>Events committed per transaction at most.</summary>
    private const int MaxBatch = 1000;

    private readonly Channel<Pending> _pending = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });
    private readonly SemaphoreSlim _startGate = new(1, 1);
    private readonly CancellationTokenSource _disposing = new();
    private Task? _writer;

    protected SqlJobStore(TimeProvider? timeProvider, ILogger? logger)
    {
        Time = timeProvider ?? TimeProvider.System;
        Logger = logger ?? NullLogger.Instance;
    }

    protected TimeProvider Time { get; }

    protected ILogger Logger { get; }

    /// <summary>The schema's versions in order: each entry is the DDL that takes the schema from the previous version to it.</summary>
    protected abstract IReadOnlyList<string> Migrations { get; }

    protected abstract ValueTask<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken);

    /// <summary>Serializes concurrent migrations (several processes starting at once) inside the migration's transaction.</summary>
    protected virtual Task LockForMigrationAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken) =>
        Task.CompletedTask;

    /// <summary>Opens a write transaction (SQLite takes the write lock at once, so a batch never fails half-way on a busy file).</summary>
    protected virtual ValueTask<DbTransaction> BeginWriteAsync(DbConnection connection, CancellationToken cancellationToken) =>
        connection.BeginTransactionAsync(cancellationToken);

    public virtual async Task StartAsync(CancellationToken cancellationToken = default)
    {
        await _startGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_writer is not null)
                return;
            await MigrateAsync(cancellationToken).ConfigureAwait(false);
            _writer = Task.Run(WriteLoopAsync, CancellationToken.None);
        }
        finally
        {
            _startGate.Release();
        }
    }

    public void Append(JobEvent jobEvent)
    {
        ArgumentNullException.ThrowIfNull(jobEvent);
        ArgumentException.ThrowIfNullOrEmpty(jobEvent.JobId);
        ObjectDisposedException.ThrowIf(!_pending.Writer.TryWrite(new Pending(jobEvent, null)), this);
    }

    public Task FlushAsync(CancellationToken cancellationToken = default)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        ObjectDisposedException.ThrowIf(!_pending.Writer.TryWrite(new Pending(null, done)), this);
        return done.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Commits what is queued, stops the writer and releases the engine's resources.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!_pending.Writer.TryComplete())
            return;
        if (_writer is not null)
        {
            try
            {
                await _writer.ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                Logger.LogError(ex, "The job store's writer failed.");
            }
        }
        await _disposing.CancelAsync().ConfigureAwait(false);
        await CloseAsync().ConfigureAwait(false);
        _disposing.Dispose();
        _startGate.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases the engine's resources (a connection pool) after the writer has stopped.</summary>
    protected virtual ValueTask CloseAsync() => ValueTask.CompletedTask;

    private async Task MigrateAsync(CancellationToken cancellationToken)
    {
        var connection = await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = await BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                await LockForMigrationAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
                await ExecuteAsync(connection, transaction, "CREATE TABLE IF NOT EXISTS ferry_jobs_schema (version INTEGER NOT NULL)", cancellationToken)
                    .ConfigureAwait(false);
                var current = 0;
                using (var command = Command(connection, transaction, "SELECT COALESCE(MAX(version), 0) FROM ferry_jobs_schema"))
                    current = Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
                if (current > Migrations.Count)
                    throw new InvalidOperationException($"The job store's schema is version {current}, newer than this Ferry.Jobs knows ({Migrations.Count}).");
                for (var version = current + 1; version <= Migrations.Count; version++)
                {
                    await ExecuteAsync(connection, transaction, Migrations[version - 1], cancellationToken).ConfigureAwait(false);
                    using var record = Command(connection, transaction, "INSERT INTO ferry_jobs_schema (version) VALUES (@version)");
                    Add(record, "version", version, DbType.Int32);
                    await record.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                    Logger.LogInformation("Job store schema migrated to version {Version}.", version);
                }
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task WriteLoopAsync()
    {
        var reader = _pending.Reader;
        var batch = new List<JobEvent>(64);
        var flushes = new List<TaskCompletionSource>();
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (batch.Count < MaxBatch && reader.TryRead(out var item))
            {
                if (item.Event is not null)
                    batch.Add(item.Event);
                else
                    flushes.Add(item.Flush!);
            }
            Exception? failure = null;
            if (batch.Count > 0)
                failure = await CommitWithRetriesAsync(batch).ConfigureAwait(false);
            foreach (var flush in flushes)
            {
                if (failure is null)
                    flush.TrySetResult();
                else
                    flush.TrySetException(failure);
            }
            batch.Clear();
            flushes.Clear();
        }
    }

    private async Task<Exception?> CommitWithRetriesAsync(List<JobEvent> batch)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await CommitAsync(batch, _disposing.Token).ConfigureAwait(false);
                return null;
            }
            catch (Exception ex) when (attempt < 3 && !_disposing.IsCancellationRequested)
            {
                Logger.LogWarning(ex, "Writing {Count} job status updates failed (attempt {Attempt}); trying again.", batch.Count, attempt);
                try
                {
                    await Task.Delay(Backoff.Delay(attempt, TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(5), 0.2), Time, _disposing.Token)
                        .ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                }
            }
            catch (Exception ex)
            {
                Logger.LogError(ex, "Writing {Count} job status updates failed; they are lost.", batch.Count);
                return ex;
            }
        }
    }

    private async Task CommitAsync(List<JobEvent> batch, CancellationToken cancellationToken)
    {
        var connection = await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = await BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                foreach (var jobEvent in batch)
                    await ApplyAsync(connection, transaction, jobEvent, cancellationToken).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static async Task ExecuteAsync(DbConnection connection, DbTransaction? transaction, string sql, CancellationToken cancellationToken)
    {
        using var command = Command(connection, transaction, sql);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

#pragma warning disable CA2100 // Every statement is a constant of this class; values go in parameters.
    private static DbCommand Command(DbConnection connection, DbTransaction? transaction, string sql)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        return command;
    }
#pragma warning restore CA2100

    private static void Add(DbCommand command, string name, object? value, DbType type)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.DbType = type;
        parameter.Value = value ?? DBNull.Value;
        command.Parameters.Add(parameter);
    }

    private readonly record struct Pending(JobEvent? Event, TaskCompletionSource? Flush);
}
