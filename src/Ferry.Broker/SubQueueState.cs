using Ferry.Storage;

namespace Ferry.Broker;

/// <summary>
/// One receivable queue of an entity (its main queue or its dead-letter queue): every message in sequence order, the
/// ready structure, and the receivers waiting on it. Used only under the entity's lock.
/// </summary>
internal sealed class SubQueueState
{
    private static readonly Comparer<MessageEntry> BySequence = Comparer<MessageEntry>.Create((a, b) => a.SequenceNumber.CompareTo(b.SequenceNumber));

    // Ready messages: arrivals come in sequence order and go to a plain FIFO; messages that come back (abandon, lock
    // expiry) go to a heap. The next message is the lower head of the two. Entries that stopped being available while
    // queued are skipped when they reach a head (lazy deletion, see MessageEntry.ReadyIn).
    private readonly Queue<MessageEntry> _arrivals = new();
    private readonly PriorityQueue<MessageEntry, long> _returns = new();
    private long _lastArrival;
    private int _nextReceiver;

    public SubQueueState(SubQueue kind) => Kind = kind;

    public SubQueue Kind { get; }

    /// <summary>Every live message of this sub-queue, in sequence order (for peek and lookups by sequence number).</summary>
    public SortedSet<MessageEntry> All { get; } = new(BySequence);

    public List<Receiver> Receivers { get; } = [];

    public MessageEntry? Find(long sequenceNumber)
    {
        var probe = new MessageEntry { SequenceNumber = sequenceNumber };
        return All.TryGetValue(probe, out var found) ? found : null;
    }

    public SortedSet<MessageEntry> From(long sequenceNumber) =>
        All.GetViewBetween(new MessageEntry { SequenceNumber = sequenceNumber }, new MessageEntry { SequenceNumber = long.MaxValue });

    public void MakeReady(MessageEntry entry)
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

    /// <summary>Takes the lowest-numbered available message, dropping stale ready entries on the way.</summary>
    public MessageEntry? TakeReady(DateTimeOffset now)
    {
        while (true)
        {
            var hasArrival = _arrivals.TryPeek(out var arrival);
            var hasReturn = _returns.TryPeek(out var returned, out _);
            if (!hasArrival && !hasReturn)
                return null;
            MessageEntry next;
            if (hasArrival && (!hasReturn || arrival!.SequenceNumber < returned!.SequenceNumber))
                next = _arrivals.Dequeue();
            else
                next = _returns.Dequeue();
            // A copy left behind in another sub-queue's structure (the message was dead-lettered) must not clear the flag.
            if (next.ReadyIn == this)
                next.ReadyIn = null;
            if (next.SubQueue == Kind && next.IsAvailable(now))
                return next;
        }
    }

    /// <summary>The next receiver with credit, in round-robin order so competing receivers share fairly.</summary>
    public Receiver? NextReceiverWithCredit()
    {
        var count = Receivers.Count;
        for (var i = 0; i < count; i++)
        {
            var index = (_nextReceiver + i) % count;
            var receiver = Receivers[index];
            if (receiver.Credit > 0)
            {
                _nextReceiver = (index + 1) % count;
                return receiver;
            }
        }
        return null;
    }
}
