using Ferry.Storage;

namespace Ferry.Broker;

public sealed partial class QueueEntity
{
    /// <summary>Rebuilds the index from the store at start-up. Locks did not survive; their raised delivery counts did.</summary>
    internal void Restore(long lastSequenceNumber, IEnumerable<StoredMessage> messages, IEnumerable<StoredDuplicate> duplicates)
    {
        lock (_sync)
        {
            _lastSequenceNumber = Math.Max(_lastSequenceNumber, lastSequenceNumber);
            var now = _time.GetUtcNow();
            foreach (var duplicate in duplicates)
            {
                if (duplicate.ExpiresAt > now)
                    _duplicates[duplicate.MessageId] = duplicate.ExpiresAt;
            }
            foreach (var stored in messages)
            {
                _lastSequenceNumber = Math.Max(_lastSequenceNumber, stored.SequenceNumber);
                var entry = new MessageEntry
                {
                    SequenceNumber = stored.SequenceNumber,
                    SubQueue = stored.SubQueue,
                    State = stored.State,
                    DeliveryCount = stored.DeliveryCount,
                    EnqueuedTime = stored.EnqueuedTime,
                    ScheduledEnqueueTime = stored.ScheduledEnqueueTime,
                    ExpiresAt = stored.ExpiresAt,
                    VisibleAfter = stored.VisibleAfter,
                    MessageId = stored.MessageId,
                    SessionId = stored.SessionId,
                    Overlay = MessageOverlay.Deserialize(stored.Overlay),
                    Size = stored.BodyLength,
                };
                _sizeInBytes += entry.Size;
                var queue = Queue(entry.SubQueue);
                queue.All.Add(entry);
                Count(entry, +1);
                if (entry.SubQueue == SubQueue.DeadLetter)
                    MakeReadyIn(entry);
                else if (entry.State == MessageState.Scheduled)
                    AddTimer(TimerKind.Activate, entry, entry.ScheduledEnqueueTime ?? now);
                else if (entry.State == MessageState.Active)
                    Activate(entry);
                else if (entry.ExpiresAt is { } expires)
                    AddTimer(TimerKind.Expire, entry, expires);
            }
        }
    }
}
