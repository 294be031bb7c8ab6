using System.Diagnostics;
using System.Globalization;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Ferry.Storage;

/// <summary>The writer thread: group commit, savepoints per batch, prepared statements.</summary>
public sealed partial class SqliteMessageStore
{
    // Owned by the writer thread once it starts; created before it starts and disposed after it exits.
    private SqliteCommand _begin = null!;
    private SqliteCommand _commit = null!;
    private SqliteCommand _rollback = null!;
    private SqliteCommand _savepoint = null!;
    private SqliteCommand _releaseSavepoint = null!;
    private SqliteCommand _rollbackToSavepoint = null!;
    private SqliteCommand _putEntity = null!;
    private SqliteCommand[] _deleteEntity = null!;
    private SqliteCommand _insertMessage = null!;
    private SqliteCommand _updateMessage = null!;
    private SqliteCommand _deleteMessage = null!;
    private SqliteCommand _putBody = null!;
    private SqliteCommand _releaseBody = null!;
    private SqliteCommand _putSessionState = null!;
    private SqliteCommand _deleteSessionState = null!;
    private SqliteCommand _putDuplicate = null!;
    private SqliteCommand _pruneDuplicates = null!;
    private SqliteCommand _raiseSequence = null!;
    private readonly List<SqliteCommand> _writeCommands = [];

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
        _begin = Prepare("BEGIN IMMEDIATE");
        _commit = Prepare("COMMIT");
        _rollback = Prepare("ROLLBACK");
        _savepoint = Prepare("SAVEPOINT batch");
        _releaseSavepoint = Prepare("RELEASE batch");
        _rollbackToSavepoint = Prepare("ROLLBACK TO batch");
        _putEntity = Prepare(SqliteSchema.PutEntity,
            ("$path", SqliteType.Text), ("$kind", SqliteType.Integer), ("$settings", SqliteType.Text),
            ("$created", SqliteType.Integer), ("$updated", SqliteType.Integer));
        _deleteEntity =
        [
            Prepare(SqliteSchema.DeleteEntityRecord, ("$entity", SqliteType.Text)),
            Prepare(SqliteSchema.DeleteEntityMessages, ("$entity", SqliteType.Text)),
            Prepare(SqliteSchema.DeleteEntitySessions, ("$entity", SqliteType.Text)),
            Prepare(SqliteSchema.DeleteEntityDuplicates, ("$entity", SqliteType.Text)),
            Prepare(SqliteSchema.DeleteEntitySequence, ("$entity", SqliteType.Text)),
            Prepare(SqliteSchema.DeleteEntityBodies, ("$entity", SqliteType.Text)),
            Prepare(SqliteSchema.DeleteOrphanBodies),
        ];
        _insertMessage = Prepare(SqliteSchema.InsertMessage,
            ("$entity", SqliteType.Text), ("$seq", SqliteType.Integer), ("$subqueue", SqliteType.Integer),
            ("$state", SqliteType.Integer), ("$delivery_count", SqliteType.Integer), ("$enqueued", SqliteType.Integer),
            ("$scheduled", SqliteType.Integer), ("$expires", SqliteType.Integer), ("$visible_after", SqliteType.Integer),
            ("$message_id", SqliteType.Text), ("$session_id", SqliteType.Text), ("$overlay", SqliteType.Blob),
            ("$body_length", SqliteType.Integer), ("$body", SqliteType.Blob), ("$body_owner", SqliteType.Text));
        // Same parameter order as the insert for the first eleven, so BindMessage serves both.
        _updateMessage = Prepare(SqliteSchema.UpdateMessage,
            ("$entity", SqliteType.Text), ("$seq", SqliteType.Integer), ("$subqueue", SqliteType.Integer),
            ("$state", SqliteType.Integer), ("$delivery_count", SqliteType.Integer), ("$enqueued", SqliteType.Integer),
            ("$scheduled", SqliteType.Integer), ("$expires", SqliteType.Integer), ("$visible_after", SqliteType.Integer),
            ("$message_id", SqliteType.Text), ("$session_id", SqliteType.Text), ("$overlay", SqliteType.Blob));
        _deleteMessage = Prepare(SqliteSchema.DeleteMessage, ("$entity", SqliteType.Text), ("$seq", SqliteType.Integer));
        _putBody = Prepare(SqliteSchema.PutBody, ("$owner", SqliteType.Text), ("$seq", SqliteType.Integer), ("$data", SqliteType.Blob));
        _releaseBody = Prepare(SqliteSchema.ReleaseBody, ("$owner", SqliteType.Text), ("$seq", SqliteType.Integer));
        _putSessionState = Prepare(SqliteSchema.PutSessionState,
            ("$entity", SqliteType.Text), ("$key", SqliteType.Text), ("$data", SqliteType.Blob));
        _deleteSessionState = Prepare(SqliteSchema.DeleteSessionState, ("$entity", SqliteType.Text), ("$key", SqliteType.Text));
        _putDuplicate = Prepare(SqliteSchema.PutDuplicate,
            ("$entity", SqliteType.Text), ("$key", SqliteType.Text), ("$time", SqliteType.Integer));
        _pruneDuplicates = Prepare(SqliteSchema.PruneDuplicates, ("$entity", SqliteType.Text), ("$time", SqliteType.Integer));
        _raiseSequence = Prepare(SqliteSchema.RaiseSequence, ("$entity", SqliteType.Text), ("$seq", SqliteType.Integer));
    }

    private SqliteCommand Prepare(string sql, params ReadOnlySpan<(string Name, SqliteType Type)> parameters)
    {
        var command = _writeConnection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, type) in parameters)
            command.Parameters.Add(name, type);
        command.Prepare();
        _writeCommands.Add(command);
        return command;
    }

    private void DisposeWriteCommands()
    {
        foreach (var command in _writeCommands)
            command.Dispose();
        _writeCommands.Clear();
    }

    // Groups handed to the thread pool whose batches are not all completed yet (PendingCommit.CompleteOnThreadPool).
    private int _groupsCompleting;
    private int _writerStopped;

    private void OnGroupCompleted()
    {
        if (Interlocked.Decrement(ref _groupsCompleting) == 0 && Volatile.Read(ref _writerStopped) != 0)
            _writerExited.TrySetResult();
    }

    private void RunWriter()
    {
        var group = new List<PendingCommit>();
        Action groupCompleted = OnGroupCompleted;
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
                        Interlocked.Increment(ref _batchCount);
                }

                Interlocked.Increment(ref _groupsCompleting);
                PendingCommit.CompleteOnThreadPool(group, groupCompleted);
                group.Clear();
            }
        }
        finally
        {
            Statistics.RecordWriterStopped();
            // Normally the queue is empty here. If the writer ever died of a bug instead, fail what is left rather than
            // leave callers waiting forever, and refuse new batches.
            foreach (var pending in group)
                pending.Error = new StoreException("The store's writer stopped; the batch may not have been applied.");
            lock (_queueLock)
            {
                _closing = true;
                while (_queue.TryDequeue(out var orphan))
                {
                    orphan.Error = new StoreException("The store's writer stopped; the batch was not applied.");
                    group.Add(orphan);
                }
            }

            if (group.Count > 0)
            {
                Interlocked.Increment(ref _groupsCompleting);
                PendingCommit.CompleteOnThreadPool(group, groupCompleted);
            }
            // The writer has exited once the groups it handed over are completed too.
            Interlocked.Exchange(ref _writerStopped, 1);
            if (Volatile.Read(ref _groupsCompleting) == 0)
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
            _begin.ExecuteNonQuery();
            _groupRaises.Clear();
            foreach (var pending in group)
            {
                if (isolate)
                    _savepoint.ExecuteNonQuery();
                try
                {
                    Apply(pending.Batch);
                }
                catch (Exception ex) when (isolate && !TransactionLost())
                {
                    _rollbackToSavepoint.ExecuteNonQuery();
                    _releaseSavepoint.ExecuteNonQuery();
                    pending.Error = BatchFailed(ex);
                    continue;
                }

                if (isolate)
                    _releaseSavepoint.ExecuteNonQuery();
                MergeBatchRaises();
            }

            WriteGroupRaises();
            _commit.ExecuteNonQuery();
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
                        // Everything of the entity goes: no later knowledge about its messages holds before this point.
                        foreach (var known in _nextOperation.Keys.Where(k => k.Entity == operation.Entity).ToList())
                            _nextOperation.Remove(known);
                        break;
                }
            }
        }
    }

    private bool TryCommitOptimistically(List<PendingCommit> group)
    {
        FindSkippableUpdates(group);
        try
        {
            _begin.ExecuteNonQuery();
            _groupRaises.Clear();
            foreach (var pending in group)
            {
                Apply(pending.Batch, _skippedUpdates);
                MergeBatchRaises();
            }
            WriteGroupRaises();
            _commit.ExecuteNonQuery();
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
            _rollback.ExecuteNonQuery();
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
                    Bind(_putEntity, 0, entity.Path);
                    Bind(_putEntity, 1, (long)entity.Kind);
                    Bind(_putEntity, 2, entity.Settings);
                    Bind(_putEntity, 3, entity.CreatedAt.UtcTicks);
                    Bind(_putEntity, 4, entity.UpdatedAt.UtcTicks);
                    _putEntity.ExecuteNonQuery();
                    break;

                case WriteOperationKind.DeleteEntity:
                    foreach (var command in _deleteEntity)
                    {
                        if (command.Parameters.Count > 0)
                            Bind(command, 0, operation.Entity);
                        command.ExecuteNonQuery();
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
                        Bind(_insertMessage, 12, (long)inserted.BodyLength);
                        _insertMessage.Parameters[13].Value = Array.Empty<byte>();
                        Bind(_insertMessage, 14, bodyOwner);
                    }
                    else
                    {
                        Bind(_insertMessage, 12, (long)inserted.Body.Length);
                        _insertMessage.Parameters[13].Value = inserted.Body;
                        Bind(_insertMessage, 14, null);
                    }
                    _insertMessage.ExecuteNonQuery();
                    RaiseInBatch(inserted.Entity, inserted.SequenceNumber);
                    break;

                case WriteOperationKind.UpdateMessage:
                    if (skippedUpdates is not null && skippedUpdates.Contains(operation))
                        break; // the next thing this group does to the message is delete it: the update is unobservable
                    BindMessage(_updateMessage, operation.Message ?? throw Malformed(operation));
                    _updateMessage.ExecuteNonQuery();
                    break;

                case WriteOperationKind.DeleteMessage:
                    Bind(_deleteMessage, 0, operation.Entity);
                    Bind(_deleteMessage, 1, operation.SequenceNumber);
                    if (_deleteMessage.ExecuteScalar() is string sharedOwner)
                    {
                        // The last message sharing a body takes the body with it.
                        Bind(_releaseBody, 0, sharedOwner);
                        Bind(_releaseBody, 1, operation.SequenceNumber);
                        _releaseBody.ExecuteNonQuery();
                    }
                    break;

                case WriteOperationKind.PutBody:
                    var shared = operation.Message ?? throw Malformed(operation);
                    Bind(_putBody, 0, operation.Entity);
                    Bind(_putBody, 1, operation.SequenceNumber);
                    _putBody.Parameters[2].Value = shared.Body;
                    _putBody.ExecuteNonQuery();
                    break;

                case WriteOperationKind.PutSessionState:
                    Bind(_putSessionState, 0, operation.Entity);
                    Bind(_putSessionState, 1, operation.Key ?? throw Malformed(operation));
                    Bind(_putSessionState, 2, operation.Data ?? throw Malformed(operation));
                    _putSessionState.ExecuteNonQuery();
                    break;

                case WriteOperationKind.DeleteSessionState:
                    Bind(_deleteSessionState, 0, operation.Entity);
                    Bind(_deleteSessionState, 1, operation.Key ?? throw Malformed(operation));
                    _deleteSessionState.ExecuteNonQuery();
                    break;

                case WriteOperationKind.PutDuplicate:
                    Bind(_putDuplicate, 0, operation.Entity);
                    Bind(_putDuplicate, 1, operation.Key ?? throw Malformed(operation));
                    Bind(_putDuplicate, 2, operation.Time.UtcTicks);
                    _putDuplicate.ExecuteNonQuery();
                    break;

                case WriteOperationKind.PruneDuplicates:
                    Bind(_pruneDuplicates, 0, operation.Entity);
                    Bind(_pruneDuplicates, 1, operation.Time.UtcTicks);
                    _pruneDuplicates.ExecuteNonQuery();
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

    private static void BindMessage(SqliteCommand command, StoredMessage message)
    {
        Bind(command, 0, message.Entity);
        Bind(command, 1, message.SequenceNumber);
        Bind(command, 2, (long)message.SubQueue);
        Bind(command, 3, (long)message.State);
        Bind(command, 4, (long)message.DeliveryCount);
        Bind(command, 5, message.EnqueuedTime.UtcTicks);
        Bind(command, 6, message.ScheduledEnqueueTime);
        Bind(command, 7, message.ExpiresAt);
        Bind(command, 8, message.VisibleAfter);
        Bind(command, 9, message.MessageId);
        Bind(command, 10, message.SessionId);
        Bind(command, 11, message.Overlay);
    }

    private static void Bind(SqliteCommand command, int index, object? value) => command.Parameters[index].Value = value ?? DBNull.Value;

    private static void Bind(SqliteCommand command, int index, DateTimeOffset? value) =>
        command.Parameters[index].Value = value.HasValue ? value.GetValueOrDefault().UtcTicks : DBNull.Value;

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
            Bind(_raiseSequence, 0, entity);
            Bind(_raiseSequence, 1, sequenceNumber);
            _raiseSequence.ExecuteNonQuery();
        }
    }
}
