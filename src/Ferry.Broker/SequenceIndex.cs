using System.Collections;

namespace Ferry.Broker;

/// <summary>
/// The messages of one sub-queue in sequence-number order, for lookups by number and browsing: a list of sorted chunks.
/// Sends append at the end (numbers rise) and completions mostly take from the front, so both touch one chunk and cost no
/// allocation; a message costs one reference (8 bytes) where a <see cref="SortedSet{T}"/> node cost a 48-byte object.
/// The last chunk to empty is kept for the next append: a queue that its receivers keep empty would otherwise allocate a
/// 2 KB chunk each time it goes from empty to one message (at 2,000 msg/s, about 450 bytes per message).
/// A message that comes back with an older number (dead-lettered into the other sub-queue) is inserted in its chunk,
/// which splits when full. Not thread-safe: used only under the entity's lock.
/// </summary>
internal sealed class SequenceIndex : IEnumerable<MessageEntry>
{
    internal const int ChunkCapacity = 256;

    private readonly List<Chunk> _chunks = [];

    // An emptied chunk (all its slots already cleared), reused by the next append that needs a chunk.
    private Chunk? _spare;

    public int Count { get; private set; }

    /// <summary>Adds the entry; false (and nothing changes) when an entry with its sequence number is already here.</summary>
    public bool Add(MessageEntry entry)
    {
        var sequenceNumber = entry.SequenceNumber;
        if (_chunks.Count == 0 || _chunks[^1].Last < sequenceNumber)
        {
            // The common case: a new message, numbered above everything here.
            if (_chunks.Count == 0 || _chunks[^1].End == ChunkCapacity)
            {
                _chunks.Add(_spare ?? new Chunk());
                _spare = null;
            }
            _chunks[^1].Append(entry);
            Count++;
            return true;
        }

        var c = ChunkFor(sequenceNumber);
        var chunk = _chunks[c];
        var at = chunk.Search(sequenceNumber);
        if (at >= 0)
            return false;
        at = ~at;
        if (chunk.Length == ChunkCapacity)
        {
            var upper = chunk.SplitUpperHalf();
            _chunks.Insert(c + 1, upper);
            if (at > chunk.Length)
            {
                at -= chunk.Length;
                chunk = upper;
            }
        }
        chunk.Insert(at, entry);
        Count++;
        return true;
    }

    /// <summary>Removes the entry with <paramref name="entry"/>'s sequence number; false when there is none.</summary>
    public bool Remove(MessageEntry entry)
    {
        if (_chunks.Count == 0)
            return false;
        var c = ChunkFor(entry.SequenceNumber);
        var chunk = _chunks[c];
        var at = chunk.Search(entry.SequenceNumber);
        if (at < 0)
            return false;
        chunk.RemoveAt(at);
        Count--;
        if (chunk.Length == 0)
        {
            _chunks.RemoveAt(c);
            _spare = chunk;
        }
        return true;
    }

    public MessageEntry? Find(long sequenceNumber)
    {
        if (_chunks.Count == 0)
            return null;
        var chunk = _chunks[ChunkFor(sequenceNumber)];
        var at = chunk.Search(sequenceNumber);
        return at >= 0 ? chunk.Items[chunk.Start + at] : null;
    }

    /// <summary>The entries numbered <paramref name="sequenceNumber"/> or above, in order.</summary>
    public IEnumerable<MessageEntry> From(long sequenceNumber)
    {
        if (_chunks.Count == 0)
            yield break;
        var c = ChunkFor(sequenceNumber);
        var at = _chunks[c].Search(sequenceNumber);
        if (at < 0)
            at = ~at;
        for (; c < _chunks.Count; c++, at = 0)
        {
            var chunk = _chunks[c];
            for (var i = chunk.Start + at; i < chunk.End; i++)
                yield return chunk.Items[i];
        }
    }

    public IEnumerator<MessageEntry> GetEnumerator() => From(long.MinValue).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>The first chunk whose last number is at least <paramref name="sequenceNumber"/>, else the last chunk.</summary>
    private int ChunkFor(long sequenceNumber)
    {
        int low = 0, high = _chunks.Count - 1;
        while (low < high)
        {
            var middle = low + ((high - low) >> 1);
            if (_chunks[middle].Last < sequenceNumber)
                low = middle + 1;
            else
                high = middle;
        }
        return low;
    }

    /// <summary>Sorted entries in <c>Items[Start..End)</c>; taking from the front only moves <see cref="Start"/>.</summary>
    private sealed class Chunk
    {
        public readonly MessageEntry[] Items = new MessageEntry[ChunkCapacity];
        public int Start;
        public int End;

        public int Length => End - Start;

        public long Last => Items[End - 1].SequenceNumber;

        public void Append(MessageEntry entry) => Items[End++] = entry;

        /// <summary>Index relative to <see cref="Start"/>, or the complement of where it would go.</summary>
        public int Search(long sequenceNumber)
        {
            int low = Start, high = End - 1;
            while (low <= high)
            {
                var middle = low + ((high - low) >> 1);
                var found = Items[middle].SequenceNumber;
                if (found == sequenceNumber)
                    return middle - Start;
                if (found < sequenceNumber)
                    low = middle + 1;
                else
                    high = middle - 1;
            }
            return ~(low - Start);
        }

        /// <summary>Inserts at <paramref name="index"/> (relative to <see cref="Start"/>); the chunk is not full.</summary>
        public void Insert(int index, MessageEntry entry)
        {
            if (End == ChunkCapacity)
            {
                Array.Copy(Items, Start, Items, 0, Length);
                Array.Clear(Items, Length, ChunkCapacity - Length);
                End -= Start;
                Start = 0;
            }
            var at = Start + index;
            Array.Copy(Items, at, Items, at + 1, End - at);
            Items[at] = entry;
            End++;
        }

        public void RemoveAt(int index)
        {
            var at = Start + index;
            if (index == 0)
            {
                Items[Start++] = null!;
            }
            else
            {
                Array.Copy(Items, at + 1, Items, at, End - at - 1);
                Items[--End] = null!;
            }
            if (Start == End)
                Start = End = 0;
        }

        /// <summary>Moves the upper half of a full chunk to a new one.</summary>
        public Chunk SplitUpperHalf()
        {
            var upper = new Chunk();
            var keep = Length / 2;
            var move = Length - keep;
            Array.Copy(Items, Start + keep, upper.Items, 0, move);
            Array.Clear(Items, Start + keep, move);
            upper.End = move;
            End = Start + keep;
            return upper;
        }
    }
}
