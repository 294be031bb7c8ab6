using Ferry.Storage;

namespace Ferry.Broker;

public sealed partial class QueueEntity
{
    /// <summary>
    /// First step of a transactional settlement at commit: checks the lock (and what the settlement needs) and pins the
    /// message — out of the lock table, so nothing else settles or renews it, and with no expiry, so the lock timer
    /// leaves it alone — until <see cref="ApplyPinned"/> or <see cref="Unpin"/>.
    /// </summary>
    /// <exception cref="BrokerException">MessageLockLost (SessionLockLost on a session queue); InvalidArgument for a
    /// property value of an unsupported type; InvalidOperation for dead-lettering a dead-lettered message.</exception>
    internal (MessageEntry Entry, DateTimeOffset LockedUntil) Pin(Guid lockToken, Settlement settlement)
    {
        lock (_sync)
        {
            var entry = FindLock(lockToken, _time.GetUtcNow());
            if (settlement.Kind == SettlementKind.DeadLetter && entry.SubQueue == SubQueue.DeadLetter)
            {
                throw new BrokerException(BrokerErrorCode.InvalidOperation,
                    $"The message with sequence number {entry.SequenceNumber} is in the dead-letter queue of '{Name}' and cannot be dead-lettered again; complete it instead.");
            }
            if (settlement.PropertiesToModify is { Count: > 0 } properties)
                new MessageOverlay().Apply(properties); // throws for an unsupported value before anything changes
            _locks.Remove(lockToken);
            var lockedUntil = entry.LockedUntil;
            entry.LockedUntil = DateTimeOffset.MaxValue;
            return (entry, lockedUntil);
        }
    }

    /// <summary>The transaction did not commit: the message is locked again as it was (its expiry timer re-armed).</summary>
    internal void Unpin(MessageEntry entry, DateTimeOffset lockedUntil)
    {
        lock (_sync)
        {
            if (_closed || !entry.IsLocked)
                return;
            entry.LockedUntil = lockedUntil;
            _locks[entry.LockToken] = entry;
            AddTimer(TimerKind.LockExpiry, entry, lockedUntil);
        }
    }

    /// <summary>Applies a pinned message's settlement in memory and adds its row change to <paramref name="batch"/>.</summary>
    internal void ApplyPinned(MessageEntry entry, Settlement settlement, WriteBatch batch)
    {
        lock (_sync)
        {
            entry.LockToken = Guid.Empty;
            var now = _time.GetUtcNow();
            _accessedAt = now;
            switch (settlement.Kind)
            {
                case SettlementKind.Complete:
                    Remove(entry);
                    Interlocked.Increment(ref _messagesCompleted);
                    batch.DeleteMessage(Key, entry.SequenceNumber);
                    return;
                case SettlementKind.Abandon:
                    Interlocked.Increment(ref _messagesAbandoned);
                    ApplyProperties(entry, settlement.PropertiesToModify);
                    if (settlement.RetryAfter is { } delay && delay > TimeSpan.Zero)
                        entry.VisibleAfter = now + delay;
                    Release(entry, now);
                    break;
                case SettlementKind.Defer:
                    ApplyProperties(entry, settlement.PropertiesToModify);
                    entry.DeliveryCount++;
                    if (entry.State != MessageState.Deferred)
                    {
                        Count(entry, -1);
                        entry.State = MessageState.Deferred;
                        Count(entry, +1);
                    }
                    break;
                case SettlementKind.DeadLetter:
                    entry.DeliveryCount++;
                    MoveToDeadLetter(entry, settlement.DeadLetterReason, settlement.DeadLetterDescription, settlement.PropertiesToModify, persist: false);
                    break;
            }
            batch.UpdateMessage(entry.ToStored(Key, withBody: false));
        }
    }
}
