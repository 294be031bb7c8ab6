using Ferry.Storage;

namespace Ferry.Broker;

/// <summary>
/// One receivable queue of an entity (its main queue or its dead-letter queue): every message in sequence order, the
/// ready structure, and the receivers waiting on it. Used only under the entity's lock.
/// </summary>
internal sealed class SubQueueState
{
    private readonly ReadyQueue _ready = new();
    private int _nextReceiver;

    public SubQueueState(SubQueue kind) => Kind = kind;

    public SubQueue Kind { get; }

    /// <summary>Every live message of this sub-queue, in sequence order (for peek and lookups by sequence number).</summary>
    public SequenceIndex All { get; } = new();

    public List<Receiver> Receivers { get; } = [];

    public MessageEntry? Find(long sequenceNumber) => All.Find(sequenceNumber);

    public IEnumerable<MessageEntry> From(long sequenceNumber) => All.From(sequenceNumber);

    public void MakeReady(MessageEntry entry) => _ready.Add(entry);

    /// <summary>Takes the lowest-numbered available message, dropping stale ready entries on the way.</summary>
    public MessageEntry? TakeReady(DateTimeOffset now) => _ready.Take(now, Kind);

    /// <summary>The next receiver with credit, in round-robin order so competing receivers share fairly.</summary>
    public Receiver? NextReceiverWithCredit()
    {
        var count = Receivers.Count;
        for (var i = 0; i < count; i++)
        {
            var index = (_nextReceiver + i) % count;
            var receiver = Receivers[index];
            if (receiver.Credit > 0 && !receiver.Sink.IsSaturated)
            {
                _nextReceiver = (index + 1) % count;
                return receiver;
            }
        }
        return null;
    }
}
