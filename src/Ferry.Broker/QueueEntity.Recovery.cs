using Ferry.Storage;

namespace Ferry.Broker;

public sealed partial class QueueEntity
{
    /// <summary>Rebuilds the index from the store at start-up. Locks did not survive; their raised delivery counts did.</summary>
    internal void Restore(long lastSequenceNumber, List<MessageEntry> entries, IEnumerable<StoredDuplicate> duplicates)
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
            foreach (var entry in entries)
            {
                _lastSequenceNumber = Math.Max(_lastSequenceNumber, entry.SequenceNumber);
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
