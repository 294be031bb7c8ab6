using Ferry.Storage;

namespace Ferry.Broker;

public sealed partial class QueueEntity
{
    /// <summary>Registers a receiver on the main queue or the dead-letter queue. It gets messages once it has credit.</summary>
    /// <exception cref="BrokerException">EntityDisabled when receiving is disabled; EntityNotFound when deleted.</exception>
    public Receiver CreateReceiver(SubQueue subQueue, ReceiveMode mode, IDeliverySink sink)
    {
        ArgumentNullException.ThrowIfNull(sink);
        lock (_sync)
        {
            ThrowIfClosed();
            ThrowIfReceiveDisabled();
            if (subQueue == SubQueue.Main && Settings.RequiresSession)
            {
                throw new BrokerException(BrokerErrorCode.InvalidOperation,
                    $"It is not possible for an entity that requires sessions to create a non-sessionful message receiver ('{Name}'). Accept a session instead.");
            }
            var queue = Queue(subQueue);
            var receiver = new Receiver(this, queue, mode, sink);
            queue.Receivers.Add(receiver);
            return receiver;
        }
    }

    private void ThrowIfReceiveDisabled()
    {
        if (Settings.Status is EntityStatus.Disabled or EntityStatus.ReceiveDisabled)
            throw new BrokerException(BrokerErrorCode.EntityDisabled, DisabledMessage("receive"));
    }

    internal void SetDeliveryLimit(Receiver receiver, long limit)
    {
        lock (_sync)
        {
            receiver.Limit = limit;
            PumpFor(receiver);
        }
    }

    internal void AddCredit(Receiver receiver, int credit)
    {
        lock (_sync)
        {
            receiver.Limit = Math.Max(receiver.Limit, receiver.Delivered) + credit;
            PumpFor(receiver);
        }
    }

    internal void Resume(Receiver receiver)
    {
        lock (_sync)
        {
            if (!receiver.Closed)
                PumpFor(receiver);
        }
    }

    internal long Drain(Receiver receiver)
    {
        lock (_sync)
        {
            PumpFor(receiver);
            receiver.Limit = receiver.Delivered;
            return receiver.Delivered;
        }
    }

    internal void RemoveReceiver(Receiver receiver)
    {
        lock (_sync)
        {
            // A receiver the entity closed itself (OnClosed) is already out of the list, which is being walked.
            if (receiver.Closed)
                return;
            receiver.Closed = true;
            receiver.Queue.Receivers.Remove(receiver);
            if (receiver.IsSessionReceiver)
                ReleaseSessionOf(receiver);
        }
    }

    /// <summary>Hands ready messages to receivers with credit, fairly, in sequence order. Caller holds the lock.</summary>
    private void Pump(SubQueueState queue)
    {
        if (_closed)
            return;
        if (queue == _main && Settings.RequiresSession)
        {
            PumpSessions();
            return;
        }
        if (queue.Receivers.Count == 0)
            return;
        var now = _time.GetUtcNow();
        while (true)
        {
            var receiver = queue.NextReceiverWithCredit();
            if (receiver is null)
                return;
            var entry = queue.TakeReady(now);
            if (entry is null)
                return;
            if (TryRetire(entry, now))
                continue;
            Deliver(receiver, entry, now);
        }
    }

    /// <summary>
    /// Before a delivery: an expired message is expired and one past MaxDeliveryCount is dead-lettered instead of being
    /// delivered. Returns true when the entry was retired that way.
    /// </summary>
    private bool TryRetire(MessageEntry entry, DateTimeOffset now)
    {
        if (entry.SubQueue != SubQueue.Main)
            return false;
        if (entry.ExpiresAt is { } expires && expires <= now)
        {
            ExpireMessage(entry);
            return true;
        }
        if (entry.DeliveryCount >= Settings.MaxDeliveryCount)
        {
            MoveToDeadLetter(entry, DeadLetterReasons.MaxDeliveryCountExceeded,
                $"Message could not be consumed after {Settings.MaxDeliveryCount} delivery attempts.", null);
            return true;
        }
        return false;
    }

    private void Deliver(Receiver receiver, MessageEntry entry, DateTimeOffset now)
    {
        receiver.Delivered++;
        Interlocked.Increment(ref _messagesReceived);
        _accessedAt = now;
        BrokerMessage message;
        if (receiver.Mode == ReceiveMode.PeekLock)
        {
            Lock(entry, now);
            message = entry.ToMessage();
        }
        else
        {
            message = entry.ToMessage();
            Remove(entry);
            Persist(new WriteBatch(1).DeleteMessage(Key, entry.SequenceNumber));
        }
        receiver.Sink.OnDelivery(receiver, message);
    }

    private void Lock(MessageEntry entry, DateTimeOffset now)
    {
        entry.LockToken = LockTokens.Next();
        entry.LockedUntil = now + Settings.LockDuration;
        entry.ExpandMessageId();
        _locks.Add(entry.LockToken, entry);
        AddTimer(TimerKind.LockExpiry, entry, entry.LockedUntil);
        // The raised count is written ahead (not awaited): a message locked when the process dies returns with it.
        PersistUpdate(entry, deliveryCountBump: 1);
    }

    /// <summary>
    /// Receives deferred messages by sequence number, locking them (peek-lock) or removing them (receive-and-delete).
    /// </summary>
    /// <exception cref="BrokerException">MessageNotFound when a sequence number is not a deferred message of this sub-queue.</exception>
    public async Task<IReadOnlyList<BrokerMessage>> ReceiveDeferredAsync(SubQueue subQueue, IReadOnlyList<long> sequenceNumbers, ReceiveMode mode,
        CancellationToken cancellationToken = default)
    {
        var results = new List<BrokerMessage>(sequenceNumbers.Count);
        WriteBatch? deletes = null;
        lock (_sync)
        {
            ThrowIfClosed();
            ThrowIfReceiveDisabled();
            var queue = Queue(subQueue);
            var entries = new MessageEntry[sequenceNumbers.Count];
            for (var i = 0; i < sequenceNumbers.Count; i++)
            {
                var entry = queue.Find(sequenceNumbers[i]);
                if (entry is null || entry.State != MessageState.Deferred || entry.IsLocked)
                {
                    throw new BrokerException(BrokerErrorCode.MessageNotFound,
                        $"Failed to lock one or more specified messages. The message with sequence number {sequenceNumbers[i]} is not a deferred message in '{Name}' or is already locked.");
                }
                entries[i] = entry;
            }
            var now = _time.GetUtcNow();
            _accessedAt = now;
            foreach (var entry in entries)
            {
                Interlocked.Increment(ref _messagesReceived);
                if (mode == ReceiveMode.PeekLock)
                {
                    Lock(entry, now);
                    results.Add(entry.ToMessage());
                }
                else
                {
                    results.Add(entry.ToMessage());
                    Remove(entry);
                    (deletes ??= new WriteBatch()).DeleteMessage(Key, entry.SequenceNumber);
                }
            }
        }
        if (deletes is not null)
            await _store.CommitAsync(deletes, cancellationToken).ConfigureAwait(false);
        return results;
    }

    /// <summary>
    /// Browses up to <paramref name="count"/> messages from <paramref name="fromSequenceNumber"/> on, without locking:
    /// active, locked, deferred and scheduled ones, each with its state. Lock tokens are not shown.
    /// </summary>
    public IReadOnlyList<BrokerMessage> Peek(SubQueue subQueue, long fromSequenceNumber, int count) => Peek(subQueue, fromSequenceNumber, count, null);

    /// <summary>Browses like <see cref="Peek(SubQueue, long, int)"/>, only messages of <paramref name="sessionId"/> when it is not null.</summary>
    public IReadOnlyList<BrokerMessage> Peek(SubQueue subQueue, long fromSequenceNumber, int count, string? sessionId)
    {
        var results = new List<BrokerMessage>(Math.Clamp(count, 0, 1024));
        lock (_sync)
        {
            ThrowIfClosed();
            _accessedAt = _time.GetUtcNow();
            foreach (var entry in Queue(subQueue).From(fromSequenceNumber))
            {
                if (results.Count >= count)
                    break;
                if (sessionId is not null && entry.SessionId != sessionId)
                    continue;
                results.Add(entry.ToMessage(withLock: false));
            }
        }
        return results;
    }

    /// <summary>
    /// The encoded sections of a delivered or peeked message, read from the store when they were not in memory (for
    /// messages recovered at start-up). Null when the message no longer exists.
    /// </summary>
    public async ValueTask<ReadOnlyMemory<byte>?> LoadBodyAsync(BrokerMessage message, CancellationToken cancellationToken = default)
    {
        if (message.IsBodyLoaded)
            return message.Body;
        var body = await _store.ReadBodyAsync(Key, message.SequenceNumber, cancellationToken).ConfigureAwait(false);
        if (body is null)
            return null;
        lock (_sync)
        {
            var entry = Queue(message.SubQueue).Find(message.SequenceNumber);
            if (entry is { IsBodyLoaded: false, Alive: true } && (Bodies is null || Bodies.TryHold(entry.Size)))
            {
                entry.Body = body;
                entry.IsBodyLoaded = true;
            }
        }
        return body;
    }
}
