using Ferry.Storage;

namespace Ferry.Broker;

public sealed partial class QueueEntity
{
    // Entries whose body IndexNew held for the publishing pass only (see DropPassBodies); empty outside the lock.
    private readonly List<MessageEntry> _passBodies = [];

    /// <summary>
    /// Sends one message or an atomic batch. The task completes once every message is durable; it returns each
    /// message's sequence number in order (0 for a message dropped as a duplicate).
    /// </summary>
    /// <exception cref="BrokerException">EntityDisabled, MessageSizeExceeded, QuotaExceeded, InvalidArgument (a session
    /// queue needs a session id), EntityNotFound (deleted). Nothing of the batch is stored then.</exception>
    public Task<long[]> SendAsync(IReadOnlyList<IncomingMessage> messages, CancellationToken cancellationToken = default)
    {
        // Not an async method: the commit's own task is the send's, one state machine fewer per send. Failures before the
        // commit still come back as a faulted task, as they did.
        try
        {
            ArgumentNullException.ThrowIfNull(messages);
            if (ForwardTarget(Settings.ForwardTo, messages) is { } forward)
                return forward.SendAsync(Forwarded(messages), cancellationToken);
            // One insert per message, plus a duplicate-history row each when duplicates are detected (a prune or a topic's
            // sequence row, rarer, grows the batch).
            var batch = new WriteBatch(Settings.RequiresDuplicateDetection ? messages.Count * 2 : messages.Count);
            return PrepareSend(messages, batch).CommitAndPublishAsync(_store, batch, cancellationToken);
        }
        catch (Exception ex)
        {
            return Task.FromException<long[]>(ex);
        }
    }

    /// <summary>
    /// The first half of a send (the caller has resolved auto-forwarding): checks the messages, assigns sequence numbers
    /// and adds their rows to <paramref name="batch"/>. Nothing is visible until the caller commits the batch and calls
    /// <see cref="PreparedSend.Publish"/>, or <see cref="PreparedSend.Abort"/> when the commit failed or never happens.
    /// </summary>
    /// <exception cref="BrokerException">As <see cref="SendAsync"/>; nothing was added to the batch then.</exception>
    internal PreparedSend PrepareSend(IReadOnlyList<IncomingMessage> messages, WriteBatch batch)
    {
        var settings = Settings;
        var forwardingBroken = ForwardingTargetMissing(settings.ForwardTo);
        if (settings.Status is EntityStatus.Disabled or EntityStatus.SendDisabled)
            throw new BrokerException(BrokerErrorCode.EntityDisabled, DisabledMessage("send"));
        var maxSize = settings.MaxMessageSizeInKilobytes * 1024L;
        long batchBytes = 0;
        for (var i = 0; i < messages.Count; i++)
        {
            var message = messages[i];
            if (message.Body.Length > maxSize)
            {
                throw new BrokerException(BrokerErrorCode.MessageSizeExceeded,
                    $"The received message (size {message.Body.Length} bytes) exceeds the limit ({maxSize} bytes) currently allowed on the entity '{Name}'.");
            }
            if (settings.RequiresSession && string.IsNullOrEmpty(message.SessionId))
            {
                throw new BrokerException(BrokerErrorCode.InvalidArgument,
                    $"The SessionId was not set on a message, and it cannot be sent to the entity '{Name}'. Entities that have session support enabled can only receive messages that have a non-null SessionId.");
            }
            batchBytes += message.Body.Length;
        }

        var now = _time.GetUtcNow();
        // A subscription's messages are numbered by its topic (fan-out gives every copy the topic's number).
        var fromTopic = Topic?.ReserveSequenceNumbers(messages.Count) ?? 0;
        var entries = new MessageEntry[messages.Count];
        var sequenceNumbers = new long[messages.Count];
        List<string>? newDuplicates = null;
        lock (_sync)
        {
            ThrowIfClosed();
            var limit = settings.MaxSizeInMegabytes * 1024L * 1024L;
            if (_sizeInBytes + _reservedBytes + batchBytes > limit)
            {
                throw new BrokerException(BrokerErrorCode.QuotaExceeded,
                    $"The maximum entity size has been reached or exceeded for '{Name}': size {_sizeInBytes + _reservedBytes} bytes, limit {limit} bytes (MaxSizeInMegabytes {settings.MaxSizeInMegabytes}).");
            }
            for (var i = 0; i < messages.Count; i++)
            {
                var message = messages[i];
                var messageId = message.MessageId ?? Guid.NewGuid().ToString("N");
                if (settings.RequiresDuplicateDetection && IsDuplicate(messageId, now))
                    continue;
                if (settings.RequiresDuplicateDetection)
                {
                    var expires = now + settings.DuplicateDetectionHistoryTimeWindow;
                    _duplicates[messageId] = expires;
                    (newDuplicates ??= []).Add(messageId);
                    batch.PutDuplicate(Key, messageId, expires);
                    if (_duplicates.Count > _duplicatePruneThreshold)
                        PruneDuplicates(now, batch);
                }
                var scheduled = message.ScheduledEnqueueTime is { } at && at > now ? at : (DateTimeOffset?)null;
                var entry = NewEntry(Topic is null ? ++_lastSequenceNumber : fromTopic + i, message, messageId, now, scheduled, settings);
                if (forwardingBroken)
                {
                    entry.Overlay = DeadLetterOverlay(entry.Overlay, DeadLetterReasons.ForwardingTargetNotFound,
                        $"The entity '{Name}' forwards to '{settings.ForwardTo}', which does not exist.", null);
                    entry.SubQueue = SubQueue.DeadLetter;
                    entry.State = MessageState.Active;
                    entry.ScheduledEnqueueTime = null;
                }
                entries[i] = entry;
                sequenceNumbers[i] = entry.SequenceNumber;
                batch.InsertMessage(entry.ToStored(Key, withBody: true, messageIdText: messageId));
            }
            if (Topic is not null)
                batch.RaiseSequenceNumber(Topic.Key, fromTopic + messages.Count - 1);
            _reservedBytes += batchBytes;
            _accessedAt = now;
        }
        return new PreparedQueueSend(this, entries, sequenceNumbers, newDuplicates, batchBytes, forwardingBroken);
    }

    /// <summary>The prepared send's batch is durable: the messages join the index and waiting receivers get them.</summary>
    internal void PublishSend(MessageEntry[] entries, long batchBytes, bool toDeadLetter)
    {
        lock (_sync)
        {
            _reservedBytes -= batchBytes;
            if (_closed)
                return;
            try
            {
                foreach (var entry in entries)
                {
                    if (entry is null)
                        continue;
                    Interlocked.Increment(ref _messagesSent);
                    IndexNew(entry);
                }
                Pump(_main);
                if (toDeadLetter)
                    Pump(_deadLetter);
            }
            finally
            {
                DropPassBodies();
            }
        }
    }

    /// <summary>The prepared send's batch was not committed: give back the reserved size and the duplicate-history entries.</summary>
    internal void AbortSend(List<string>? newDuplicates, long batchBytes)
    {
        lock (_sync)
        {
            _reservedBytes -= batchBytes;
            if (newDuplicates is not null)
            {
                foreach (var id in newDuplicates)
                    _duplicates.Remove(id);
            }
        }
    }

    /// <summary>Cancels scheduled messages. Sequence numbers that are not (or no longer) scheduled are ignored.</summary>
    public async Task CancelScheduledAsync(IReadOnlyList<long> sequenceNumbers, CancellationToken cancellationToken = default)
    {
        var batch = new WriteBatch(sequenceNumbers.Count);
        lock (_sync)
        {
            ThrowIfClosed();
            foreach (var sequenceNumber in sequenceNumbers)
            {
                var entry = _main.Find(sequenceNumber);
                if (entry is null || entry.State != MessageState.Scheduled)
                    continue;
                Remove(entry);
                batch.DeleteMessage(Key, sequenceNumber);
            }
        }
        if (batch.Count > 0)
            await _store.CommitAsync(batch, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A new entry for an arriving message: state, enqueued time (the schedule time when scheduled), TTL capped by the entity.</summary>
    private static MessageEntry NewEntry(long sequenceNumber, IncomingMessage message, string messageId, DateTimeOffset now, DateTimeOffset? scheduled,
        QueueSettings settings)
    {
        var entry = new MessageEntry
        {
            SequenceNumber = sequenceNumber,
            MessageId = messageId,
            SessionId = message.SessionId,
            State = scheduled is null ? MessageState.Active : MessageState.Scheduled,
            ScheduledEnqueueTime = scheduled,
            EnqueuedTime = scheduled ?? now,
            Body = message.Body,
            IsBodyLoaded = true,
            Size = message.Body.Length,
            Overlay = message.Overlay?.Clone(),
        };
        entry.ExpiresAt = ExpiryOf(entry.EnqueuedTime, message.TimeToLive, settings);
        return entry;
    }

    private static DateTimeOffset? ExpiryOf(DateTimeOffset enqueued, TimeSpan? timeToLive, QueueSettings settings)
    {
        var ttl = timeToLive is { } requested && requested > TimeSpan.Zero && requested < settings.DefaultMessageTimeToLive
            ? requested
            : settings.DefaultMessageTimeToLive;
        return ttl >= DateTimeOffset.MaxValue - enqueued ? null : enqueued + ttl;
    }

    // The history is pruned when it has doubled since the last prune, so the cost stays linear in the sends.
    private void PruneDuplicates(DateTimeOffset now, WriteBatch batch)
    {
        List<string>? expired = null;
        foreach (var (id, expires) in _duplicates)
        {
            if (expires <= now)
                (expired ??= []).Add(id);
        }
        if (expired is not null)
        {
            foreach (var id in expired)
                _duplicates.Remove(id);
        }
        _duplicatePruneThreshold = Math.Max(1024, _duplicates.Count * 2);
        batch.PruneDuplicates(Key, now);
    }

    private bool IsDuplicate(string messageId, DateTimeOffset now)
    {
        if (!_duplicates.TryGetValue(messageId, out var expires))
            return false;
        if (expires > now)
            return true;
        _duplicates.Remove(messageId);
        return false;
    }

    /// <summary>A message that just became durable joins the index: counted, then ready, scheduled or dead-lettered.</summary>
    private void IndexNew(MessageEntry entry)
    {
        _sizeInBytes += entry.Size;
        if (entry.IsBodyLoaded && Bodies is { } bodies && !bodies.TryHold(entry.Size))
        {
            // Over the broker's body budget (a backlog), or a large body: the entry keeps its metadata and the body is read
            // back when it is delivered later. A receiver waiting now takes it from memory: the publishing pass drops it.
            entry.IsBodyUncounted = true;
            _passBodies.Add(entry);
        }
        Queue(entry.SubQueue).All.Add(entry);
        Count(entry, +1);
        if (entry.SubQueue == SubQueue.DeadLetter)
            MakeReadyIn(entry);
        else if (entry.State == MessageState.Scheduled)
            AddTimer(TimerKind.Activate, entry, entry.ScheduledEnqueueTime!.Value);
        else
            Activate(entry);
    }

    /// <summary>
    /// Drops the bodies <see cref="IndexNew"/> held for the publishing pass only: what a waiting receiver took goes out
    /// from memory, the rest is read back from the store when delivered. Caller holds the lock, after the pass's pumps.
    /// </summary>
    private void DropPassBodies()
    {
        foreach (var entry in _passBodies)
        {
            // A message that already left (received and deleted in the pass) keeps what it holds until it is collected.
            if (!entry.IsBodyUncounted || !entry.Alive)
                continue;
            entry.Body = default;
            entry.IsBodyLoaded = false;
            entry.IsBodyUncounted = false;
        }
        _passBodies.Clear();
    }

    /// <summary>An active (or newly activated) main-queue message: TTL timer, then ready.</summary>
    private void Activate(MessageEntry entry)
    {
        if (entry.ExpiresAt is { } expires)
            AddTimer(TimerKind.Expire, entry, expires);
        if (entry.VisibleAfter is { } visible && visible > _time.GetUtcNow())
            AddTimer(TimerKind.Visible, entry, visible);
        else
            MakeReadyIn(entry);
    }
}
