using System.Diagnostics;

namespace Ferry.Storage;

/// <summary>
/// A store with the same semantics as the durable engine and no disk: for <c>--in-memory</c> hosts and tests. Commits apply
/// under a lock and complete immediately; nothing survives the process.
/// </summary>
/// <remarks>
/// The data lives in an <see cref="InMemoryStoreData"/> that outlives the store: pass <see cref="Data"/> to a new store to
/// get a "reopened" one that recovers what the old one committed. Bodies and overlays are copied in and out, so callers may
/// reuse their buffers once a commit completes, exactly as with the durable engine. A batch that fails is undone in full
/// before the failure is reported.
/// </remarks>
public sealed class InMemoryMessageStore : IMessageStore
{
    private readonly List<InMemoryUndo> _undo = [];
    private volatile bool _disposed;

    /// <summary>Creates an empty store.</summary>
    public InMemoryMessageStore() : this(new InMemoryStoreData()) { }

    /// <summary>Creates a store over existing data, as if reopening the store that wrote it.</summary>
    public InMemoryMessageStore(InMemoryStoreData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        Data = data;
    }

    /// <summary>The store's contents, to hand to a later store.</summary>
    public InMemoryStoreData Data { get; }

    /// <inheritdoc/>
    public async ValueTask<RecoveredState> RecoverAsync(Action<StoredMessage> onMessage, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(onMessage);
        var state = await RecoverAsync(cancellationToken).ConfigureAwait(false);
        foreach (var message in state.Messages)
            onMessage(message);
        return new RecoveredState
        {
            Entities = state.Entities,
            Messages = [],
            LastSequenceNumbers = state.LastSequenceNumbers,
            SessionStates = state.SessionStates,
            Duplicates = state.Duplicates,
        };
    }

    /// <inheritdoc/>
    /// <remarks>Duplicate-detection entries are returned whether expired or not. Times come back in UTC.</remarks>
    public ValueTask<RecoveredState> RecoverAsync(CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested)
            return ValueTask.FromCanceled<RecoveredState>(cancellationToken);
        if (_disposed)
            return ValueTask.FromException<RecoveredState>(new ObjectDisposedException(nameof(InMemoryMessageStore)));

        var entities = new List<StoredEntity>();
        var messages = new List<StoredMessage>();
        var lastSequenceNumbers = new Dictionary<string, long>(StringComparer.Ordinal);
        var sessionStates = new List<StoredSessionState>();
        var duplicates = new List<StoredDuplicate>();
        lock (Data.SyncRoot)
        {
            foreach (var (path, data) in Data.Entities)
            {
                if (data.Record is { } record)
                    entities.Add(record with { CreatedAt = record.CreatedAt.ToUniversalTime(), UpdatedAt = record.UpdatedAt.ToUniversalTime() });
                if (data.LastSequenceNumber is { } last)
                    lastSequenceNumbers[path] = last;
                foreach (var message in data.Messages.Values)
                    messages.Add(Copy(message, ReadOnlyMemory<byte>.Empty, message.BodyLength));
                foreach (var (sessionId, state) in data.SessionStates)
                    sessionStates.Add(new StoredSessionState(path, sessionId, (byte[])state.Clone()));
                foreach (var (messageId, expiresAt) in data.Duplicates)
                    duplicates.Add(new StoredDuplicate(path, messageId, expiresAt.ToUniversalTime()));
            }
        }

        return new ValueTask<RecoveredState>(new RecoveredState
        {
            Entities = entities,
            Messages = messages,
            LastSequenceNumbers = lastSequenceNumbers,
            SessionStates = sessionStates,
            Duplicates = duplicates,
        });
    }

    /// <inheritdoc/>
    /// <remarks>Applies the batch before returning; the returned task is already complete.</remarks>
    public ValueTask CommitAsync(WriteBatch batch, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (cancellationToken.IsCancellationRequested)
            return ValueTask.FromCanceled(cancellationToken);

        lock (Data.SyncRoot)
        {
            // Checked under the lock so that no batch starts after DisposeAsync returned.
            if (_disposed)
                return ValueTask.FromException(new ObjectDisposedException(nameof(InMemoryMessageStore)));

            _undo.Clear();
            var started = Stopwatch.GetTimestamp();
            try
            {
                Apply(batch);
                Statistics.RecordCommit(1, batch.Count, Stopwatch.GetElapsedTime(started));
            }
            catch (StoreException ex)
            {
                Undo();
                return ValueTask.FromException(ex);
            }
            finally
            {
                _undo.Clear();
            }
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc/>
    public StoreStatistics Statistics { get; } = new();

    /// <inheritdoc/>
    public ValueTask<byte[]?> ReadBodyAsync(string entity, long sequenceNumber, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entity);
        if (cancellationToken.IsCancellationRequested)
            return ValueTask.FromCanceled<byte[]?>(cancellationToken);
        if (_disposed)
            return ValueTask.FromException<byte[]?>(new ObjectDisposedException(nameof(InMemoryMessageStore)));

        lock (Data.SyncRoot)
        {
            return Data.Entities.TryGetValue(entity, out var data) && data.Messages.TryGetValue(sequenceNumber, out var message)
                ? new ValueTask<byte[]?>(message.Body.ToArray())
                : new ValueTask<byte[]?>((byte[]?)null);
        }
    }

    /// <summary>Stops accepting operations. The <see cref="Data"/> stays intact for a later store.</summary>
    public ValueTask DisposeAsync()
    {
        lock (Data.SyncRoot)
            _disposed = true;
        Statistics.RecordWriterStopped();
        return ValueTask.CompletedTask;
    }

    // Shared bodies live only as long as the batch that puts them: the messages hold the same array afterwards.
    private readonly Dictionary<(string Owner, long SequenceNumber), byte[]> _batchBodies = [];

    private void Apply(WriteBatch batch)
    {
        _batchBodies.Clear();
        var operations = batch.Operations;
        for (var i = 0; i < operations.Count; i++)
        {
            var operation = operations[i];
            switch (operation.Kind)
            {
                case WriteOperationKind.PutEntity:
                {
                    var record = operation.EntityRecord ?? throw Malformed(operation);
                    var data = GetOrCreate(record.Path);
                    _undo.Add(new(InMemoryUndoKind.Record, record.Path, data, Previous: data.Record));
                    data.Record = record;
                    break;
                }

                case WriteOperationKind.DeleteEntity:
                    if (Data.Entities.Remove(operation.Entity, out var removed))
                        _undo.Add(new(InMemoryUndoKind.EntityData, operation.Entity, removed));
                    break;

                case WriteOperationKind.InsertMessage:
                {
                    var message = operation.Message ?? throw Malformed(operation);
                    var data = GetOrCreate(message.Entity);
                    if (data.Messages.ContainsKey(message.SequenceNumber))
                    {
                        throw new StoreException(
                            $"The batch was not applied: message {message.Entity} #{message.SequenceNumber} already exists.");
                    }

                    if (message.SharedBodyOwner is { } bodyOwner)
                    {
                        if (!_batchBodies.TryGetValue((bodyOwner, message.SequenceNumber), out var shared))
                        {
                            throw new StoreException(
                                $"The batch was not applied: message {message.Entity} #{message.SequenceNumber} refers to a shared body of {bodyOwner} that this batch did not put.");
                        }
                        data.Messages.Add(message.SequenceNumber, Copy(message, shared, shared.Length));
                    }
                    else
                    {
                        data.Messages.Add(message.SequenceNumber, Copy(message, message.Body.ToArray(), message.Body.Length));
                    }
                    _undo.Add(new(InMemoryUndoKind.Message, message.Entity, data, message.SequenceNumber));
                    Raise(message.Entity, data, message.SequenceNumber);
                    break;
                }

                case WriteOperationKind.PutBody:
                    _batchBodies[(operation.Entity, operation.SequenceNumber)] = (operation.Message ?? throw Malformed(operation)).Body.ToArray();
                    break;

                case WriteOperationKind.UpdateMessage:
                {
                    var message = operation.Message ?? throw Malformed(operation);
                    if (Data.Entities.TryGetValue(message.Entity, out var data)
                        && data.Messages.TryGetValue(message.SequenceNumber, out var stored))
                    {
                        _undo.Add(new(InMemoryUndoKind.Message, message.Entity, data, message.SequenceNumber, Previous: stored));
                        data.Messages[message.SequenceNumber] = Copy(message, body: stored.Body, bodyLength: stored.BodyLength);
                    }

                    break;
                }

                case WriteOperationKind.DeleteMessage:
                    if (Data.Entities.TryGetValue(operation.Entity, out var owner)
                        && owner.Messages.Remove(operation.SequenceNumber, out var deleted))
                    {
                        _undo.Add(new(InMemoryUndoKind.Message, operation.Entity, owner, operation.SequenceNumber, Previous: deleted));
                    }

                    break;

                case WriteOperationKind.PutSessionState:
                {
                    var sessionId = operation.Key ?? throw Malformed(operation);
                    var state = operation.Data ?? throw Malformed(operation);
                    var data = GetOrCreate(operation.Entity);
                    data.SessionStates.TryGetValue(sessionId, out var previous);
                    _undo.Add(new(InMemoryUndoKind.SessionState, operation.Entity, data, Key: sessionId, Previous: previous));
                    data.SessionStates[sessionId] = (byte[])state.Clone();
                    break;
                }

                case WriteOperationKind.DeleteSessionState:
                {
                    var sessionId = operation.Key ?? throw Malformed(operation);
                    if (Data.Entities.TryGetValue(operation.Entity, out var data) && data.SessionStates.Remove(sessionId, out var previous))
                        _undo.Add(new(InMemoryUndoKind.SessionState, operation.Entity, data, Key: sessionId, Previous: previous));
                    break;
                }

                case WriteOperationKind.PutDuplicate:
                {
                    var messageId = operation.Key ?? throw Malformed(operation);
                    var data = GetOrCreate(operation.Entity);
                    object? previous = data.Duplicates.TryGetValue(messageId, out var expiresAt) ? expiresAt : null;
                    _undo.Add(new(InMemoryUndoKind.Duplicate, operation.Entity, data, Key: messageId, Previous: previous));
                    data.Duplicates[messageId] = operation.Time;
                    break;
                }

                case WriteOperationKind.PruneDuplicates:
                    if (Data.Entities.TryGetValue(operation.Entity, out var pruned))
                        Prune(operation.Entity, pruned, operation.Time);
                    break;

                case WriteOperationKind.RaiseSequenceNumber:
                    Raise(operation.Entity, GetOrCreate(operation.Entity), operation.SequenceNumber);
                    break;

                default:
                    throw Malformed(operation);
            }
        }
    }

    private InMemoryEntityData GetOrCreate(string path)
    {
        if (!Data.Entities.TryGetValue(path, out var data))
        {
            data = new InMemoryEntityData();
            Data.Entities.Add(path, data);
            _undo.Add(new(InMemoryUndoKind.EntityData, path, Data: null));
        }

        return data;
    }

    private void Raise(string path, InMemoryEntityData data, long sequenceNumber)
    {
        if (data.LastSequenceNumber is { } last && last >= sequenceNumber)
            return;
        _undo.Add(new(InMemoryUndoKind.Sequence, path, data, SequenceNumber: data.LastSequenceNumber));
        data.LastSequenceNumber = sequenceNumber;
    }

    private void Prune(string path, InMemoryEntityData data, DateTimeOffset now)
    {
        List<string>? expired = null;
        foreach (var (messageId, expiresAt) in data.Duplicates)
        {
            if (expiresAt <= now)
                (expired ??= []).Add(messageId);
        }

        if (expired is null)
            return;
        foreach (var messageId in expired)
        {
            _undo.Add(new(InMemoryUndoKind.Duplicate, path, data, Key: messageId, Previous: data.Duplicates[messageId]));
            data.Duplicates.Remove(messageId);
        }
    }

    /// <summary>Reverts the current batch, newest change first, so that each step sees the state it was recorded in.</summary>
    private void Undo()
    {
        for (var i = _undo.Count - 1; i >= 0; i--)
        {
            var step = _undo[i];
            switch (step.Kind)
            {
                case InMemoryUndoKind.EntityData:
                    if (step.Data is null)
                        Data.Entities.Remove(step.Path);
                    else
                        Data.Entities[step.Path] = step.Data;
                    break;
                case InMemoryUndoKind.Record:
                    step.Data!.Record = (StoredEntity?)step.Previous;
                    break;
                case InMemoryUndoKind.Sequence:
                    step.Data!.LastSequenceNumber = step.SequenceNumber;
                    break;
                case InMemoryUndoKind.Message:
                    if (step.Previous is StoredMessage message)
                        step.Data!.Messages[step.SequenceNumber!.Value] = message;
                    else
                        step.Data!.Messages.Remove(step.SequenceNumber!.Value);
                    break;
                case InMemoryUndoKind.SessionState:
                    if (step.Previous is byte[] state)
                        step.Data!.SessionStates[step.Key!] = state;
                    else
                        step.Data!.SessionStates.Remove(step.Key!);
                    break;
                case InMemoryUndoKind.Duplicate:
                    if (step.Previous is DateTimeOffset expiresAt)
                        step.Data!.Duplicates[step.Key!] = expiresAt;
                    else
                        step.Data!.Duplicates.Remove(step.Key!);
                    break;
            }
        }
    }

    private static StoreException Malformed(in WriteOperation operation) =>
        new($"The batch was not applied: malformed {operation.Kind} operation on '{operation.Entity}'.");

    /// <summary>Copies a message with private arrays and UTC times; the body is <paramref name="body"/>.</summary>
    private static StoredMessage Copy(StoredMessage message, ReadOnlyMemory<byte> body, int bodyLength) => new()
    {
        Entity = message.Entity,
        SequenceNumber = message.SequenceNumber,
        SubQueue = message.SubQueue,
        State = message.State,
        DeliveryCount = message.DeliveryCount,
        EnqueuedTime = message.EnqueuedTime.ToUniversalTime(),
        ScheduledEnqueueTime = message.ScheduledEnqueueTime?.ToUniversalTime(),
        ExpiresAt = message.ExpiresAt?.ToUniversalTime(),
        VisibleAfter = message.VisibleAfter?.ToUniversalTime(),
        MessageId = message.MessageId,
        SessionId = message.SessionId,
        Overlay = (byte[]?)message.Overlay?.Clone(),
        Body = body,
        BodyLength = bodyLength,
    };
}
