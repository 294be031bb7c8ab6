namespace Ferry.Broker;

/// <summary>
/// Messages ready for delivery, lowest sequence number first. Arrivals come in sequence order and go to a plain FIFO;
/// messages that come back (abandon, lock expiry) go to a heap; the next message is the lower head of the two. Entries
/// that stopped being available while queued are skipped when they reach a head (lazy deletion, see
/// <see cref="MessageEntry.ReadyIn"/>). Used only under the entity's lock.
/// </summary>
internal sealed class ReadyQueue
{
    private readonly Queue<MessageEntry> _arrivals = new();
    private readonly PriorityQueue<MessageEntry, long> _returns = new();
    private long _lastArrival;

    /// <summary>Entries queued, stale ones included (an upper bound of what is ready).</summary>
    public int Count => _arrivals.Count + _returns.Count;

    public void Add(MessageEntry entry)
    {
        if (entry.ReadyIn == this)
            return;
        entry.ReadyIn = this;
        if (entry.SequenceNumber > _lastArrival)
        {
            _lastArrival = entry.SequenceNumber;
            _arrivals.Enqueue(entry);
        }
        else
        {
            _returns.Enqueue(entry, entry.SequenceNumber);
        }
    }

    /// <summary>Takes the lowest-numbered entry for which <paramref name="available"/> holds, dropping stale ones.</summary>
    public MessageEntry? Take(DateTimeOffset now, Storage.SubQueue kind)
    {
        while (true)
        {
            var next = PeekHead(out var fromArrivals);
            if (next is null)
                return null;
            if (fromArrivals)
                _arrivals.Dequeue();
            else
                _returns.Dequeue();
            // A copy left behind in another structure (the message was dead-lettered) must not clear the flag.
            if (next.ReadyIn == this)
                next.ReadyIn = null;
            if (next.SubQueue == kind && next.IsAvailable(now))
                return next;
        }
    }

    /// <summary>True when some queued entry is available now; drops stale heads on the way.</summary>
    public bool HasAvailable(DateTimeOffset now, Storage.SubQueue kind)
    {
        while (true)
        {
            var next = PeekHead(out var fromArrivals);
            if (next is null)
                return false;
            if (next.ReadyIn == this && next.SubQueue == kind && next.IsAvailable(now))
                return true;
            if (fromArrivals)
                _arrivals.Dequeue();
            else
                _returns.Dequeue();
            if (next.ReadyIn == this)
                next.ReadyIn = null;
        }
    }

    private MessageEntry? PeekHead(out bool fromArrivals)
    {
        var hasArrival = _arrivals.TryPeek(out var arrival);
        var hasReturn = _returns.TryPeek(out var returned, out _);
        fromArrivals = hasArrival && (!hasReturn || arrival!.SequenceNumber < returned!.SequenceNumber);
        return fromArrivals ? arrival : hasReturn ? returned : null;
    }
}
