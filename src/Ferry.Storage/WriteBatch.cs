using System.Collections;

namespace Ferry.Storage;

/// <summary>
/// An ordered set of operations applied atomically by <see cref="IMessageStore.CommitAsync"/>.
/// </summary>
/// <remarks>
/// Not thread-safe: build it on one thread, then hand it over and stop touching it. It is its own list of operations
/// (<see cref="Operations"/>): the first operation is kept in the batch itself and only the others in an array, so the
/// broker's most common batch (one insert, one delivery-count update or one delete per message) is one object where a
/// batch, a list and the list's array were three.
/// </remarks>
public sealed class WriteBatch : IReadOnlyList<WriteOperation>
{
    private WriteOperation _first;
    private WriteOperation[]? _rest;
    private int _count;

    public WriteBatch()
    {
    }

    /// <param name="capacity">How many operations to make room for; more may still be added.</param>
    public WriteBatch(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        if (capacity > 1)
            _rest = new WriteOperation[capacity - 1];
    }

    /// <summary>The operations in the order they were added (this batch itself).</summary>
    public IReadOnlyList<WriteOperation> Operations => this;

    public int Count => _count;

    public WriteOperation this[int index]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfNegative(index);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, _count);
            return index == 0 ? _first : _rest![index - 1];
        }
    }

    public IEnumerator<WriteOperation> GetEnumerator()
    {
        for (var i = 0; i < _count; i++)
            yield return this[i];
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Creates or replaces an entity's record.</summary>
    public WriteBatch PutEntity(StoredEntity entity) => Add(new(WriteOperationKind.PutEntity, entity.Path, EntityRecord: entity));

    /// <summary>Deletes an entity with all its messages, session states, duplicates and sequence history.</summary>
    /// <remarks>
    /// Exactly <paramref name="path"/>: a topic's subscriptions are entities of their own, deleted by their own operations.
    /// A later insert under the same path starts a new sequence history.
    /// </remarks>
    public WriteBatch DeleteEntity(string path) => Add(new(WriteOperationKind.DeleteEntity, path));

    /// <summary>Inserts a message; also raises the entity's last sequence number to at least its sequence number.</summary>
    public WriteBatch InsertMessage(StoredMessage message) => Add(new(WriteOperationKind.InsertMessage, message.Entity, Message: message));

    /// <summary>Replaces the mutable fields of a stored message (everything but the body). A missing message is ignored.</summary>
    public WriteBatch UpdateMessage(StoredMessage message) => Add(new(WriteOperationKind.UpdateMessage, message.Entity, Message: message));

    /// <summary>Deletes a message. A missing message is ignored.</summary>
    public WriteBatch DeleteMessage(string entity, long sequenceNumber) =>
        Add(new(WriteOperationKind.DeleteMessage, entity, SequenceNumber: sequenceNumber));

    /// <summary>Sets a session's state.</summary>
    public WriteBatch PutSessionState(string entity, string sessionId, byte[] state) =>
        Add(new(WriteOperationKind.PutSessionState, entity, Key: sessionId, Data: state));

    /// <summary>Removes a session's state.</summary>
    public WriteBatch DeleteSessionState(string entity, string sessionId) =>
        Add(new(WriteOperationKind.DeleteSessionState, entity, Key: sessionId));

    /// <summary>Remembers a message id for duplicate detection until <paramref name="expiresAt"/>.</summary>
    public WriteBatch PutDuplicate(string entity, string messageId, DateTimeOffset expiresAt) =>
        Add(new(WriteOperationKind.PutDuplicate, entity, Key: messageId, Time: expiresAt));

    /// <summary>Forgets duplicate-detection entries of an entity that expire at or before <paramref name="now"/>.</summary>
    public WriteBatch PruneDuplicates(string entity, DateTimeOffset now) =>
        Add(new(WriteOperationKind.PruneDuplicates, entity, Time: now));

    /// <summary>
    /// Stores one body that several messages share (a topic's fan-out: one durable write of the body, not one per
    /// subscription). Messages refer to it with <see cref="StoredMessage.SharedBodyOwner"/> = <paramref name="owner"/> and
    /// the same sequence number, and must be inserted in the same batch. The body is kept while any message refers to it.
    /// </summary>
    public WriteBatch PutBody(string owner, long sequenceNumber, ReadOnlyMemory<byte> body) =>
        Add(new(WriteOperationKind.PutBody, owner, SequenceNumber: sequenceNumber,
            Message: new StoredMessage { Entity = owner, SequenceNumber = sequenceNumber, Body = body, BodyLength = body.Length }));

    /// <summary>Raises an entity's last sequence number to at least <paramref name="sequenceNumber"/>.</summary>
    public WriteBatch RaiseSequenceNumber(string entity, long sequenceNumber) =>
        Add(new(WriteOperationKind.RaiseSequenceNumber, entity, SequenceNumber: sequenceNumber));

    private WriteBatch Add(WriteOperation operation)
    {
        if (_count == 0)
        {
            _first = operation;
        }
        else
        {
            if (_rest is null || _count - 1 == _rest.Length)
                Array.Resize(ref _rest, Math.Max(4, (_rest?.Length ?? 0) * 2));
            _rest[_count - 1] = operation;
        }
        _count++;
        return this;
    }
}
