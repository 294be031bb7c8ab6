using Ferry.Storage;

namespace Ferry.Broker;

/// <summary>
/// A local transaction (AMQP 1.0 part 4, as Service Bus offers it): sends and settlements are enlisted — staged, with
/// no effect on any entity — and applied together by <see cref="CommitAsync"/> in one store batch, so they are durable
/// together or not at all, across queues, topics and subscriptions. <see cref="Rollback"/> drops them.
/// </summary>
/// <remarks>
/// <para>Enlisted sends are invisible to receivers until the commit is durable. A message whose settlement is enlisted
/// keeps its lock until the commit applies the settlement; after a rollback it is still locked, unchanged, and its lock
/// runs out as any other (then it is redelivered with its delivery count raised).</para>
/// <para>Timeout (as Azure): <see cref="Timeout"/> after the first enlisted operation the transaction can no longer
/// commit; <see cref="IsExpired"/> tells the coordinator to answer <c>amqp:transaction:timeout</c>.</para>
/// <para>Thread-safe. Enlisting after the commit began fails with InvalidOperation.</para>
/// </remarks>
public sealed class BrokerTransaction
{
    /// <summary>Service Bus's transaction timeout: two minutes from the first operation.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    private readonly Lock _sync = new();
    private readonly IMessageStore _store;
    private readonly TimeProvider _time;
    private readonly List<(ISendTarget Target, IReadOnlyList<IncomingMessage> Messages)> _sends = [];
    private readonly List<(QueueEntity Queue, Guid LockToken, Settlement Settlement, Action? Committed)> _settlements = [];
    private DateTimeOffset? _deadline;
    private BrokerException? _failure;
    private bool _discharged;

    internal BrokerTransaction(IMessageStore store, TimeProvider time)
    {
        _store = store;
        _time = time;
    }

    /// <summary>When the transaction times out; null until the first operation is enlisted.</summary>
    public DateTimeOffset? Deadline
    {
        get { lock (_sync) return _deadline; }
    }

    /// <summary>True once <see cref="Timeout"/> has passed since the first enlisted operation.</summary>
    public bool IsExpired
    {
        get { lock (_sync) return _deadline is { } deadline && _time.GetUtcNow() >= deadline; }
    }

    /// <summary>Operations enlisted so far.</summary>
    public int Count
    {
        get { lock (_sync) return _sends.Count + _settlements.Count; }
    }

    /// <summary>Stages a send (one message or an atomic batch); the messages are checked and enqueued at commit.</summary>
    /// <exception cref="BrokerException">InvalidOperation when the transaction is discharged; Timeout when it expired.</exception>
    public void EnlistSend(ISendTarget target, IReadOnlyList<IncomingMessage> messages)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(messages);
        lock (_sync)
        {
            ThrowIfNotActive();
            _sends.Add((target, messages));
        }
    }

    /// <summary>
    /// Stages a settlement of a locked message. The lock must be valid now (else MessageLockLost at once) and still at
    /// commit. <paramref name="committed"/> runs after a successful commit (the wire layer forgets the delivery then).
    /// </summary>
    /// <exception cref="BrokerException">MessageLockLost / SessionLockLost; InvalidOperation when discharged; Timeout.</exception>
    public void EnlistSettlement(QueueEntity queue, Guid lockToken, Settlement settlement, Action? committed = null)
    {
        ArgumentNullException.ThrowIfNull(queue);
        ArgumentNullException.ThrowIfNull(settlement);
        if (!queue.HoldsLock(lockToken))
        {
            throw queue.Settings.RequiresSession
                ? new BrokerException(BrokerErrorCode.SessionLockLost,
                    $"The session lock was lost or the message lock {lockToken} is unknown on '{queue.Name}'. Accept the session again.")
                : BrokerException.LockLost(lockToken);
        }
        lock (_sync)
        {
            ThrowIfNotActive();
            _settlements.Add((queue, lockToken, settlement, committed));
        }
    }

    private void ThrowIfNotActive()
    {
        if (_discharged)
            throw new BrokerException(BrokerErrorCode.InvalidOperation, "The transaction was already discharged (committed or rolled back).");
        var now = _time.GetUtcNow();
        if (_deadline is { } deadline && now >= deadline)
            throw new BrokerException(BrokerErrorCode.Timeout, $"The transaction timed out: it exceeded {Timeout.TotalMinutes:0} minutes since its first operation.");
        _deadline ??= now + Timeout;
    }

    /// <summary>
    /// An operation meant for this transaction could not be enlisted and the client could not be told (it had settled
    /// the delivery): the transaction can then only roll back, and its commit fails with this reason.
    /// </summary>
    public void MarkRollbackOnly(BrokerException reason)
    {
        ArgumentNullException.ThrowIfNull(reason);
        lock (_sync)
            _failure ??= reason;
    }

    /// <summary>Drops every enlisted operation; nothing was applied, so nothing changes.</summary>
    public void Rollback()
    {
        lock (_sync)
        {
            _discharged = true;
            _sends.Clear();
            _settlements.Clear();
        }
    }

    /// <summary>
    /// Applies every enlisted operation in one store batch and completes when it is durable. If any operation cannot be
    /// applied (a lock lost meanwhile, a send refused), nothing is, and the exception says which; messages whose
    /// settlement was enlisted stay locked.
    /// </summary>
    /// <exception cref="BrokerException">Timeout when the transaction expired; the first failing operation's error otherwise.</exception>
    public async Task CommitAsync(CancellationToken cancellationToken = default)
    {
        (ISendTarget Target, IReadOnlyList<IncomingMessage> Messages)[] sends;
        (QueueEntity Queue, Guid LockToken, Settlement Settlement, Action? Committed)[] settlements;
        lock (_sync)
        {
            if (_discharged)
                throw new BrokerException(BrokerErrorCode.InvalidOperation, "The transaction was already discharged (committed or rolled back).");
            _discharged = true;
            if (_deadline is { } deadline && _time.GetUtcNow() >= deadline)
                throw new BrokerException(BrokerErrorCode.Timeout, $"The transaction timed out: it exceeded {Timeout.TotalMinutes:0} minutes since its first operation.");
            if (_failure is { } failure)
                throw new BrokerException(failure.Code, $"An operation of the transaction failed when it was enlisted: {failure.Message}");
            sends = [.. _sends];
            settlements = [.. _settlements];
        }
        if (sends.Length == 0 && settlements.Length == 0)
            return;

        var batch = new WriteBatch(settlements.Length + sends.Length * 2);
        var pinned = new List<(QueueEntity Queue, MessageEntry Entry, DateTimeOffset LockedUntil)>(settlements.Length);
        var prepared = new List<PreparedSend>(sends.Length);
        try
        {
            // Pin every settled message first (undoable), then prepare the sends (abortable): a failure in either step
            // leaves no entity changed. Only then are settlements applied, which cannot fail.
            foreach (var (queue, lockToken, settlement, _) in settlements)
            {
                var (entry, lockedUntil) = queue.Pin(lockToken, settlement);
                pinned.Add((queue, entry, lockedUntil));
            }
            foreach (var (target, messages) in sends)
                prepared.Add(PreparedSend.For(target, messages, batch));
        }
        catch
        {
            foreach (var send in prepared)
                send.Abort();
            foreach (var (queue, entry, lockedUntil) in pinned)
                queue.Unpin(entry, lockedUntil);
            throw;
        }
        for (var i = 0; i < settlements.Length; i++)
            pinned[i].Queue.ApplyPinned(pinned[i].Entry, settlements[i].Settlement, batch);

        try
        {
            if (batch.Count > 0)
                await _store.CommitAsync(batch, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            foreach (var send in prepared)
                send.Abort();
            throw;
        }
        foreach (var send in prepared)
            send.Publish();
        foreach (var settlement in settlements)
            settlement.Committed?.Invoke();
    }
}
