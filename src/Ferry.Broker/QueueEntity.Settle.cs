using Ferry.Storage;

namespace Ferry.Broker;

public sealed partial class QueueEntity
{
    /// <summary>Completes a locked message: it is removed. Completes once the removal is durable.</summary>
    /// <exception cref="BrokerException">MessageLockLost when the lock is unknown or expired.</exception>
    public Task CompleteAsync(Guid lockToken, CancellationToken cancellationToken = default)
    {
        long sequenceNumber;
        lock (_sync)
        {
            var entry = TakeLock(lockToken);
            sequenceNumber = entry.SequenceNumber;
            Remove(entry);
            Interlocked.Increment(ref _messagesCompleted);
        }
        return _store.CommitAsync(new WriteBatch(1).DeleteMessage(Key, sequenceNumber), cancellationToken).AsTask();
    }

    /// <summary>
    /// Abandons a locked message: its delivery count goes up by one and it is available again — after
    /// <paramref name="retryAfter"/> when given (Ferry's abandon-with-delay extension), else at once. Past
    /// MaxDeliveryCount it moves to the dead-letter queue. <paramref name="propertiesToModify"/> are merged into its
    /// application properties.
    /// </summary>
    /// <exception cref="BrokerException">MessageLockLost; InvalidArgument for a property value of an unsupported type.</exception>
    public Task AbandonAsync(Guid lockToken, IReadOnlyDictionary<string, object?>? propertiesToModify = null, TimeSpan? retryAfter = null,
        CancellationToken cancellationToken = default)
    {
        StoredMessage stored;
        lock (_sync)
        {
            var entry = TakeLock(lockToken, propertiesToModify);
            Interlocked.Increment(ref _messagesAbandoned);
            ApplyProperties(entry, propertiesToModify);
            var now = _time.GetUtcNow();
            if (retryAfter is { } delay && delay > TimeSpan.Zero)
                entry.VisibleAfter = now + delay;
            Release(entry, now);
            stored = entry.ToStored(Key, withBody: false);
        }
        return _store.CommitAsync(new WriteBatch(1).UpdateMessage(stored), cancellationToken).AsTask();
    }

    /// <summary>Defers a locked message: it stays in the entity, receivable only by its sequence number.</summary>
    /// <exception cref="BrokerException">MessageLockLost.</exception>
    public Task DeferAsync(Guid lockToken, IReadOnlyDictionary<string, object?>? propertiesToModify = null, CancellationToken cancellationToken = default)
    {
        StoredMessage stored;
        lock (_sync)
        {
            var entry = TakeLock(lockToken, propertiesToModify);
            ApplyProperties(entry, propertiesToModify);
            entry.DeliveryCount++;
            if (entry.State != MessageState.Deferred)
            {
                Count(entry, -1);
                entry.State = MessageState.Deferred;
                Count(entry, +1);
            }
            stored = entry.ToStored(Key, withBody: false);
        }
        return _store.CommitAsync(new WriteBatch(1).UpdateMessage(stored), cancellationToken).AsTask();
    }

    /// <summary>
    /// Dead-letters a locked message with a reason and description (set as its DeadLetterReason and
    /// DeadLetterErrorDescription application properties) and optional properties to modify.
    /// </summary>
    /// <exception cref="BrokerException">MessageLockLost; InvalidOperation for a message already in the dead-letter queue.</exception>
    public Task DeadLetterAsync(Guid lockToken, string? reason, string? description, IReadOnlyDictionary<string, object?>? propertiesToModify = null,
        CancellationToken cancellationToken = default)
    {
        StoredMessage stored;
        lock (_sync)
        {
            if (_locks.TryGetValue(lockToken, out var locked) && locked.SubQueue == SubQueue.DeadLetter)
            {
                throw new BrokerException(BrokerErrorCode.InvalidOperation,
                    $"The message with sequence number {locked.SequenceNumber} is in the dead-letter queue of '{Name}' and cannot be dead-lettered again; complete it instead.");
            }
            var entry = TakeLock(lockToken, propertiesToModify);
            entry.DeliveryCount++;
            MoveToDeadLetter(entry, reason, description, propertiesToModify, persist: false);
            stored = entry.ToStored(Key, withBody: false);
        }
        return _store.CommitAsync(new WriteBatch(1).UpdateMessage(stored), cancellationToken).AsTask();
    }

    /// <summary>Applies a settlement to a locked message now: <see cref="CompleteAsync"/>, <see cref="AbandonAsync"/>,
    /// <see cref="DeferAsync"/> or <see cref="DeadLetterAsync"/>, with their errors.</summary>
    public Task SettleAsync(Guid lockToken, Settlement settlement, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(settlement);
        return settlement.Kind switch
        {
            SettlementKind.Complete => CompleteAsync(lockToken, cancellationToken),
            SettlementKind.Abandon => AbandonAsync(lockToken, settlement.PropertiesToModify, settlement.RetryAfter, cancellationToken),
            SettlementKind.Defer => DeferAsync(lockToken, settlement.PropertiesToModify, cancellationToken),
            _ => DeadLetterAsync(lockToken, settlement.DeadLetterReason, settlement.DeadLetterDescription, settlement.PropertiesToModify, cancellationToken),
        };
    }

    /// <summary>Renews a lock for another LockDuration from now and returns the new expiry.</summary>
    /// <exception cref="BrokerException">MessageLockLost.</exception>
    public DateTimeOffset RenewLock(Guid lockToken)
    {
        lock (_sync)
        {
            var now = _time.GetUtcNow();
            var entry = FindLock(lockToken, now);
            entry.LockedUntil = now + Settings.LockDuration;
            AddTimer(TimerKind.LockExpiry, entry, entry.LockedUntil);
            return entry.LockedUntil;
        }
    }

    /// <summary>True when <paramref name="lockToken"/> is a lock of this entity that is still valid.</summary>
    public bool HoldsLock(Guid lockToken)
    {
        lock (_sync)
            return _locks.TryGetValue(lockToken, out var entry) && entry.LockedUntil > _time.GetUtcNow();
    }

    private MessageEntry FindLock(Guid lockToken, DateTimeOffset now)
    {
        if (!_locks.TryGetValue(lockToken, out var entry) || entry.LockedUntil <= now)
        {
            // On a session queue a message lock ends with its session lock: the SDKs expect session-lock-lost.
            throw Settings.RequiresSession
                ? new BrokerException(BrokerErrorCode.SessionLockLost,
                    $"The session lock was lost or the message lock {lockToken} is unknown on '{Name}'. Accept the session again.")
                : BrokerException.LockLost(lockToken);
        }
        return entry;
    }

    /// <summary>Validates the lock and the properties, then releases the lock (the entry stays where it is).</summary>
    private MessageEntry TakeLock(Guid lockToken, IReadOnlyDictionary<string, object?>? propertiesToModify = null)
    {
        var entry = FindLock(lockToken, _time.GetUtcNow());
        if (propertiesToModify is { Count: > 0 })
            new MessageOverlay().Apply(propertiesToModify); // throws for an unsupported value before anything changes
        _locks.Remove(lockToken);
        entry.LockToken = Guid.Empty;
        _accessedAt = _time.GetUtcNow();
        return entry;
    }

    private static void ApplyProperties(MessageEntry entry, IReadOnlyDictionary<string, object?>? propertiesToModify)
    {
        if (propertiesToModify is not { Count: > 0 })
            return;
        var overlay = entry.Overlay?.Clone() ?? new MessageOverlay();
        overlay.Apply(propertiesToModify);
        entry.Overlay = overlay;
    }

    /// <summary>
    /// An unlocked attempt ended (abandon, lock expiry): count it, then dead-letter past MaxDeliveryCount, expire past
    /// the TTL, or make the message available again (deferred messages stay deferred).
    /// </summary>
    private void Release(MessageEntry entry, DateTimeOffset now)
    {
        entry.DeliveryCount++;
        if (entry.State == MessageState.Deferred)
            return;
        if (TryRetire(entry, now))
            return;
        var queue = Queue(entry.SubQueue);
        if (entry.VisibleAfter is { } visible && visible > now)
        {
            AddTimer(TimerKind.Visible, entry, visible);
            return;
        }
        entry.VisibleAfter = null;
        MakeReadyIn(entry);
        Pump(queue);
    }

    /// <summary>Moves a main-queue message to the dead-letter queue. Caller holds the lock and has released any lock on it.</summary>
    private void MoveToDeadLetter(MessageEntry entry, string? reason, string? description, IReadOnlyDictionary<string, object?>? properties,
        bool persist = true)
    {
        Interlocked.Increment(ref _messagesDeadLettered);
        entry.Overlay = DeadLetterOverlay(entry.Overlay, reason, description, properties);
        if (ForwardTarget(Settings.ForwardDeadLetteredMessagesTo) is { } forward)
        {
            Remove(entry);
            ForwardDeadLetter(entry, forward);
            return;
        }
        Count(entry, -1);
        _main.All.Remove(entry);
        entry.SubQueue = SubQueue.DeadLetter;
        entry.State = MessageState.Active;
        entry.VisibleAfter = null;
        _deadLetter.All.Add(entry);
        Count(entry, +1);
        MakeReadyIn(entry);
        if (persist)
            PersistUpdate(entry);
        Pump(_deadLetter);
    }

    /// <summary>A copy of <paramref name="current"/> with the dead-letter reason, description, extra properties and source.</summary>
    private MessageOverlay DeadLetterOverlay(MessageOverlay? current, string? reason, string? description, IReadOnlyDictionary<string, object?>? properties)
    {
        var overlay = current?.Clone() ?? new MessageOverlay();
        overlay.Apply(properties);
        if (reason is not null)
            overlay.Set(DeadLetterReasons.ReasonProperty, reason);
        if (description is not null)
            overlay.Set(DeadLetterReasons.DescriptionProperty, description);
        overlay.DeadLetterSource = Name;
        return overlay;
    }

    /// <summary>TTL ran out: dead-letter (DeadLetteringOnMessageExpiration) or drop. Caller holds the lock.</summary>
    private void ExpireMessage(MessageEntry entry)
    {
        Interlocked.Increment(ref _messagesExpired);
        if (Settings.DeadLetteringOnMessageExpiration)
        {
            MoveToDeadLetter(entry, DeadLetterReasons.TtlExpired, "The message expired and was dead lettered.", null);
        }
        else
        {
            Remove(entry);
            Persist(new WriteBatch(1).DeleteMessage(Key, entry.SequenceNumber));
        }
    }
}
