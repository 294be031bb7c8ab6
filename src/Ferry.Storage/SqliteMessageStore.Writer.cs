using System.Diagnostics;
using System.Globalization;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Ferry.Storage;

/// <summary>The writer thread: group commit, savepoints per batch, prepared statements.</summary>
public sealed partial class SqliteMessageStore
{
    // Owned by the writer thread once it starts; created before it starts and disposed after it exits. Raw statements, not
    // SqliteCommands: Microsoft.Data.Sqlite's per-execution work (statement iteration, parameter binding, boxing) cost the
    // writer as much CPU as SQLite itself.
    private RawStatement _begin = null!;
    private RawStatement _commit = null!;
    private RawStatement _rollback = null!;
    private RawStatement _savepoint = null!;
    private RawStatement _releaseSavepoint = null!;
    private RawStatement _rollbackToSavepoint = null!;
    private RawStatement _putEntity = null!;
    private RawStatement[] _deleteEntity = null!;
    private RawStatement _insertMessage = null!;
    private RawStatement _updateMessage = null!;
    private RawStatement _deleteMessage = null!;
    private RawStatement _putBody = null!;
    private RawStatement _releaseBody = null!;
    private RawStatement _putSessionState = null!;
    private RawStatement _deleteSessionState = null!;
    private RawStatement _putDuplicate = null!;
    private RawStatement _pruneDuplicates = null!;
    private RawStatement _raiseSequence = null!;
    private readonly List<RawStatement> _writeStatements = [];

    private const int BusyTimeoutMilliseconds = 30_000;

    // Sequence-number raises are folded per group and written once per entity just before COMMIT, instead of one upsert per
    // inserted message. A batch's raises join the group's only when the batch succeeds; a DeleteEntity in a batch drops the
    // group's earlier raises for that entity, because the delete already removed the row they would have raised.
    private readonly Dictionary<string, long> _groupRaises = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _batchRaises = new(StringComparer.Ordinal);
    private readonly HashSet<string> _batchResets = new(StringComparer.Ordinal);

    private long _groupCount;
    private long _batchCount;

    /// <summary>Group transactions committed so far (one log sync each); with <see cref="CommittedBatches"/>, the batches per sync.</summary>
    internal long GroupCommits => Interlocked.Read(ref _groupCount);

    /// <summary>Batches applied so far.</summary>
    internal long CommittedBatches => Interlocked.Read(ref _batchCount);

    private void PrepareWriteCommands()
    {
        // SqliteCommands retried a busy or locked step for up to their 30 s command timeout; raw statements do not, so the
        // wait moves into SQLite's own busy handler. Only another writer on the same file or a connection recovering the log's
        // index makes the writer wait at all.
        var rc = raw.sqlite3_busy_timeout(_writeConnection.Handle, BusyTimeoutMilliseconds);
        if (rc != raw.SQLITE_OK)
            SqliteException.ThrowExceptionForRC(rc, _writeConnection.Handle);
        _begin = Prepare("BEGIN IMMEDIATE");
        _commit = Prepare("COMMIT");
        _rollback = Prepare("ROLLBACK");
        _savepoint = Prepare("SAVEPOINT batch");
        _releaseSavepoint = Prepare("RELEASE batch");
        _rollbackToSavepoint = Prepare("ROLLBACK TO batch");
        _putEntity = Prepare(SqliteSchema.PutEntity, "$path", "$kind", "$settings", "$created", "$updated");
        _deleteEntity =
        [
            Prepare(SqliteSchema.DeleteEntityRecord, "$entity"),
            Prepare(SqliteSchema.DeleteEntityMessages, "$entity"),
            Prepare(SqliteSchema.DeleteEntitySessions, "$entity"),
            Prepare(SqliteSchema.DeleteEntityDuplicates, "$entity"),
            Prepare(SqliteSchema.DeleteEntitySequence, "$entity"),
            Prepare(SqliteSchema.DeleteEntityBodies, "$entity"),
            Prepare(SqliteSchema.DeleteOrphanBodies),
        ];
        _insertMessage = Prepare(SqliteSchema.InsertMessage,
            "$entity", "$seq", "$subqueue", "$state", "$delivery_count", "$enqueued", "$scheduled", "$expires", "$visible_after",
            "$message_id", "$session_id", "$overlay", "$body_length", "$body", "$body_owner");
        // Same parameter positions as the insert for the first twelve, so BindMessage serves both.
        _updateMessage = Prepare(SqliteSchema.UpdateMessage,
            "$entity", "$seq", "$subqueue", "$state", "$delivery_count", "$enqueued", "$scheduled", "$expires", "$visible_after",
            "$message_id", "$session_id", "$overlay");
        _deleteMessage = Prepare(SqliteSchema.DeleteMessage, "$entity", "$seq");
        _putBody = Prepare(SqliteSchema.PutBody, "$owner", "$seq", "$data");
        _releaseBody = Prepare(SqliteSchema.ReleaseBody, "$owner", "$seq");
        _putSessionState = Prepare(SqliteSchema.PutSessionState, "$entity", "$key", "$data");
        _deleteSessionState = Prepare(SqliteSchema.DeleteSessionState, "$entity", "$key");
        _putDuplicate = Prepare(SqliteSchema.PutDuplicate, "$entity", "$key", "$time");
        _pruneDuplicates = Prepare(SqliteSchema.PruneDuplicates, "$entity", "$time");
        _raiseSequence = Prepare(SqliteSchema.RaiseSequence, "$entity", "$seq");
    }

    private RawStatement Prepare(string sql, params ReadOnlySpan<string> parameters)
    {
        var statement = new RawStatement(_writeConnection.Handle!, sql, parameters);
        _writeStatements.Add(statement);
        return statement;
    }

    /// <summary>Finalizes the writer's statements; must run before the connection closes, or SQLite keeps it open.</summary>
    private void DisposeWriteCommands()
    {
        foreach (var statement in _writeStatements)
            statement.Dispose();
        _writeStatements.Clear();
    }

    private void RunWriter()
    {
        var group = new List<PendingCommit>();
        try
        {
            while (TakeGroup(group))
            {
                var started = Stopwatch.GetTimestamp();
                var committed = CommitGroup(group);
                Interlocked.Increment(ref _groupCount);
                RecordGroup(group, committed, Stopwatch.GetElapsedTime(started));
                foreach (var pending in group)
                {
                    if (pending.Error is null)
                    {
                        Interlocked.Increment(ref _batchCount);
                        pending.TrySetResult();
                    }
                    else
                    {
                        pending.TrySetException(pending.Error);
                    }
                }

                group.Clear();
                AfterGroupCommitted();
            }
        }
        finally
        {
            Statistics.RecordWriterStopped();
            // Normally the queue is empty here. If the writer ever died of a bug instead, fail what is left rather than
            // leave callers waiting forever, and refuse new batches.
            lock (_queueLock)
            {
                _closing = true;
                while (_queue.TryDequeue(out var orphan))
                    orphan.TrySetException(new StoreException("The store's writer stopped; the batch was not applied."));
            }

            foreach (var pending in group)
                pending.TrySetException(new StoreException("The store's writer stopped; the batch may not have been applied."));
            _writerExited.TrySetResult();
        }
    }

    /// <summary>Waits for work, then takes every queued batch (up to the operation bound) in call order. False once closing and drained.</summary>
    private bool TakeGroup(List<PendingCommit> group)
    {
        lock (_queueLock)
        {
            while (_queue.Count == 0)
            {
                if (_closing)
                    return false;
                Monitor.Wait(_queueLock);
            }
        }

        _writerGate.Wait();

        lock (_queueLock)
        {
            var operations = 0;
            while (_queue.TryPeek(out var next)
                && (group.Count == 0 || operations + next.Batch.Count <= _options.MaxBatchOperations))
            {
                _queue.Dequeue();
                group.Add(next);
                operations += next.Batch.Count;
            }
        }

        return true;
    }

    private void RecordGroup(List<PendingCommit> group, bool committed, TimeSpan elapsed)
    {
        if (committed)
        {
            var operations = 0;
            foreach (var pending in group)
                operations += pending.Batch.Count;
            Statistics.RecordCommit(group.Count, operations, elapsed);
        }
        else
        {
            Statistics.RecordFailure(group[0].Error ?? new StoreException("The group commit failed."), DateTime.UtcNow);
        }
    }

    /// <summary>
    /// Applies a group in one transaction and sets <see cref="PendingCommit.Error"/> on every batch that did not commit.
    /// False when the transaction as a whole failed (nothing of the group applied).
    /// </summary>
    private bool CommitGroup(List<PendingCommit> group)
    {
        // Fast path: apply the whole group without savepoints (two statements fewer per batch), skipping updates of
        // messages the group deletes anyway (a delivery's raised count followed by its completion). Batches almost
        // never fail; when one does, the group is rolled back and applied again batch by batch with savepoints.
        if (group.Count > 1 && TryCommitOptimistically(group))
            return true;
        // A lone batch needs no savepoint: if it fails, rolling back the whole transaction fails exactly that batch.
        var isolate = group.Count > 1;
        try
        {
            _begin.Execute();
            _groupRaises.Clear();
            foreach (var pending in group)
            {
                if (isolate)
                    _savepoint.Execute();
                try
                {
                    Apply(pending.Batch);
                }
                catch (Exception ex) when (isolate && !TransactionLost())
                {
                    _rollbackToSavepoint.Execute();
                    _releaseSavepoint.Execute();
                    pending.Error = BatchFailed(ex);
                    continue;
                }

                if (isolate)
                    _releaseSavepoint.Execute();
                MergeBatchRaises();
            }

            WriteGroupRaises();
            _commit.Execute();
            return true;
        }
        catch (Exception ex)
        {
            // The transaction as a whole is gone (or never began): nothing of this group is applied.
            RollBackQuietly();
            foreach (var pending in group)
                pending.Error = pending.Error ?? BatchFailed(ex);
            return false;
        }
    }

    private readonly HashSet<WriteOperation> _skippedUpdates = new(ReferenceOperationComparer.Instance);
    private readonly Dictionary<(string Entity, long SequenceNumber), WriteOperationKind> _nextOperation = [];

    /// <summary>
    /// Finds the updates whose message the group deletes right after (the next operation on that message is its delete):
    /// applying them changes nothing anyone can observe. Scans backwards so "next" respects call order.
    /// </summary>
    private void FindSkippableUpdates(List<PendingCommit> group)
    {
        _skippedUpdates.Clear();
        _nextOperation.Clear();
        for (var b = group.Count - 1; b >= 0; b--)
        {
            var operations = group[b].Batch.Operations;
            for (var i = operations.Count - 1; i >= 0; i--)
            {
                var operation = operations[i];
                switch (operation.Kind)
                {
                    case WriteOperationKind.DeleteMessage:
                        _nextOperation[(operation.Entity, operation.SequenceNumber)] = WriteOperationKind.DeleteMessage;
                        break;
                    case WriteOperationKind.InsertMessage when operation.Message is { } inserted:
                        _nextOperation[(inserted.Entity, inserted.SequenceNumber)] = WriteOperationKind.InsertMessage;
                        break;
                    case WriteOperationKind.UpdateMessage when operation.Message is { } updated:
                        var key = (updated.Entity, updated.SequenceNumber);
                        if (_nextOperation.TryGetValue(key, out var next) && next == WriteOperationKind.DeleteMessage)
                            _skippedUpdates.Add(operation);
                        else
                            _nextOperation[key] = WriteOperationKind.UpdateMessage;
                        break;
                    case WriteOperationKind.DeleteEntity:
                        ForgetEntity(operation.Entity);
                        break;
                }
            }
        }
    }

    // Everything of a deleted entity goes: no later knowledge about its messages holds before that point. A method of its own
    // because a lambda capturing the loop's operation made the loop allocate a closure for every operation of every group.
    private void ForgetEntity(string entity)
    {
        foreach (var known in _nextOperation.Keys.Where(k => k.Entity == entity).ToList())
            _nextOperation.Remove(known);
    }

    private bool TryCommitOptimistically(List<PendingCommit> group)
    {
        FindSkippableUpdates(group);
        try
        {
            _begin.Execute();
            _groupRaises.Clear();
            foreach (var pending in group)
            {
                Apply(pending.Batch, _skippedUpdates);
                MergeBatchRaises();
            }
            WriteGroupRaises();
            _commit.Execute();
            return true;
        }
        catch (Exception)
        {
            RollBackQuietly();
            return false;
        }
        finally
        {
            _skippedUpdates.Clear();
            _nextOperation.Clear();
        }
    }

    /// <summary>True when SQLite has already rolled the whole transaction back (it does so itself on I/O errors and a full disk).</summary>
    private bool TransactionLost() => raw.sqlite3_get_autocommit(_writeConnection.Handle) != 0;

    private void RollBackQuietly()
    {
        if (TransactionLost())
            return;
        try
        {
            _rollback.Execute();
        }
        catch (SqliteException)
        {
            // Nothing more to undo: SQLite rolls back on its own when the statement that failed was fatal to the transaction.
        }
    }

    private static StoreException BatchFailed(Exception ex) => ex as StoreException
        ?? new StoreException($"The batch was not applied: {ex.Message}", ex);

    private void Apply(WriteBatch batch, HashSet<WriteOperation>? skippedUpdates = null)
    {
        _batchRaises.Clear();
        _batchResets.Clear();
        var operations = batch.Operations;
        for (var i = 0; i < operations.Count; i++)
        {
            var operation = operations[i];
            switch (operation.Kind)
            {
                case WriteOperationKind.PutEntity:
                    var entity = operation.EntityRecord ?? throw Malformed(operation);
                    _putEntity.BindText(0, entity.Path);
                    _putEntity.BindInt64(1, (long)entity.Kind);
                    _putEntity.BindText(2, entity.Settings);
                    _putEntity.BindInt64(3, entity.CreatedAt.UtcTicks);
                    _putEntity.BindInt64(4, entity.UpdatedAt.UtcTicks);
                    _putEntity.Execute();
                    break;

                case WriteOperationKind.DeleteEntity:
                    foreach (var statement in _deleteEntity)
                    {
                        if (statement.ParameterCount > 0)
                            statement.BindText(0, operation.Entity);
                        statement.Execute();
                    }

                    _batchRaises.Remove(operation.Entity);
                    _batchResets.Add(operation.Entity);
                    break;

                case WriteOperationKind.InsertMessage:
                    var inserted = operation.Message ?? throw Malformed(operation);
                    BindMessage(_insertMessage, inserted);
                    if (inserted.SharedBodyOwner is { } bodyOwner)
                    {
                        // The body lives in the bodies table (put earlier in this batch); the row keeps its length only.
                        _insertMessage.BindInt64(12, inserted.BodyLength);
                        _insertMessage.BindBlob(13, ReadOnlySpan<byte>.Empty);
                        _insertMessage.BindText(14, bodyOwner);
                    }
                    else
                    {
                        _insertMessage.BindInt64(12, inserted.Body.Length);
                        _insertMessage.BindBlob(13, inserted.Body.Span);
                        _insertMessage.BindNull(14);
                    }
                    _insertMessage.Execute();
                    RaiseInBatch(inserted.Entity, inserted.SequenceNumber);
                    break;

                case WriteOperationKind.UpdateMessage:
                    if (skippedUpdates is not null && skippedUpdates.Contains(operation))
                        break; // the next thing this group does to the message is delete it: the update is unobservable
                    BindMessage(_updateMessage, operation.Message ?? throw Malformed(operation));
                    _updateMessage.Execute();
                    break;

                case WriteOperationKind.DeleteMessage:
                    _deleteMessage.BindText(0, operation.Entity);
                    _deleteMessage.BindInt64(1, operation.SequenceNumber);
                    if (_deleteMessage.ExecuteScalarText() is { } sharedOwner)
                    {
                        // The last message sharing a body takes the body with it.
                        _releaseBody.BindText(0, sharedOwner);
                        _releaseBody.BindInt64(1, operation.SequenceNumber);
                        _releaseBody.Execute();
                    }
                    break;

                case WriteOperationKind.PutBody:
                    var shared = operation.Message ?? throw Malformed(operation);
                    _putBody.BindText(0, operation.Entity);
                    _putBody.BindInt64(1, operation.SequenceNumber);
                    _putBody.BindBlob(2, shared.Body.Span);
                    _putBody.Execute();
                    break;

                case WriteOperationKind.PutSessionState:
                    _putSessionState.BindText(0, operation.Entity);
                    _putSessionState.BindText(1, operation.Key ?? throw Malformed(operation));
                    _putSessionState.BindBlob(2, operation.Data ?? throw Malformed(operation));
                    _putSessionState.Execute();
                    break;

                case WriteOperationKind.DeleteSessionState:
                    _deleteSessionState.BindText(0, operation.Entity);
                    _deleteSessionState.BindText(1, operation.Key ?? throw Malformed(operation));
                    _deleteSessionState.Execute();
                    break;

                case WriteOperationKind.PutDuplicate:
                    _putDuplicate.BindText(0, operation.Entity);
                    _putDuplicate.BindText(1, operation.Key ?? throw Malformed(operation));
                    _putDuplicate.BindInt64(2, operation.Time.UtcTicks);
                    _putDuplicate.Execute();
                    break;

                case WriteOperationKind.PruneDuplicates:
                    _pruneDuplicates.BindText(0, operation.Entity);
                    _pruneDuplicates.BindInt64(1, operation.Time.UtcTicks);
                    _pruneDuplicates.Execute();
                    break;

                case WriteOperationKind.RaiseSequenceNumber:
                    RaiseInBatch(operation.Entity, operation.SequenceNumber);
                    break;

                default:
                    throw Malformed(operation);
            }
        }
    }

    private static StoreException Malformed(in WriteOperation operation) => new(
        $"Malformed {operation.Kind.ToString()} operation on '{operation.Entity}' (operation kind {((int)operation.Kind).ToString(CultureInfo.InvariantCulture)}).");

    private static void BindMessage(RawStatement statement, StoredMessage message)
    {
        statement.BindText(0, message.Entity);
        statement.BindInt64(1, message.SequenceNumber);
        statement.BindInt64(2, (long)message.SubQueue);
        statement.BindInt64(3, (long)message.State);
        statement.BindInt64(4, message.DeliveryCount);
        statement.BindInt64(5, message.EnqueuedTime.UtcTicks);
        statement.BindTicks(6, message.ScheduledEnqueueTime);
        statement.BindTicks(7, message.ExpiresAt);
        statement.BindTicks(8, message.VisibleAfter);
        statement.BindText(9, message.MessageId);
        statement.BindText(10, message.SessionId);
        statement.BindBlob(11, message.Overlay);
    }

    private void RaiseInBatch(string entity, long sequenceNumber)
    {
        if (!_batchRaises.TryGetValue(entity, out var current) || sequenceNumber > current)
            _batchRaises[entity] = sequenceNumber;
    }

    private void MergeBatchRaises()
    {
        foreach (var entity in _batchResets)
            _groupRaises.Remove(entity);
        foreach (var (entity, sequenceNumber) in _batchRaises)
        {
            if (!_groupRaises.TryGetValue(entity, out var current) || sequenceNumber > current)
                _groupRaises[entity] = sequenceNumber;
        }
    }

    private void WriteGroupRaises()
    {
        foreach (var (entity, sequenceNumber) in _groupRaises)
        {
            _raiseSequence.BindText(0, entity);
            _raiseSequence.BindInt64(1, sequenceNumber);
            _raiseSequence.Execute();
        }
    }
}
