using Ferry.Storage;

namespace Ferry.Broker;

public sealed partial class QueueEntity
{
    /// <summary>
    /// Removes every message of a sub-queue: active, deferred, scheduled and locked ones (their locks become invalid,
    /// as if the message had been completed by someone else). Returns how many were removed; they are gone from the
    /// store when the task completes.
    /// </summary>
    /// <exception cref="BrokerException">EntityNotFound when the entity was deleted.</exception>
    public Task<int> PurgeAsync(SubQueue subQueue, CancellationToken cancellationToken = default)
    {
        List<long> sequenceNumbers;
        lock (_sync)
        {
            ThrowIfClosed();
            var all = Queue(subQueue).All;
            sequenceNumbers = new List<long>(all.Count);
            foreach (var entry in all)
                sequenceNumbers.Add(entry.SequenceNumber);
        }
        return RemoveAsync(subQueue, sequenceNumbers, cancellationToken);
    }

    /// <summary>
    /// Removes the messages with the given sequence numbers from a sub-queue, whatever their state (a lock on one becomes
    /// invalid). Numbers that are not in the sub-queue are ignored. Returns how many were removed; they are gone from the
    /// store when the task completes.
    /// </summary>
    /// <exception cref="BrokerException">EntityNotFound when the entity was deleted.</exception>
    public async Task<int> RemoveAsync(SubQueue subQueue, IReadOnlyList<long> sequenceNumbers, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sequenceNumbers);
        // Bounded batches keep one purge of a deep queue from building one huge write.
        const int Chunk = 4096;
        var removed = 0;
        for (var start = 0; start < sequenceNumbers.Count; start += Chunk)
        {
            var batch = new WriteBatch(Math.Min(Chunk, sequenceNumbers.Count - start));
            lock (_sync)
            {
                ThrowIfClosed();
                var queue = Queue(subQueue);
                for (var i = start; i < Math.Min(start + Chunk, sequenceNumbers.Count); i++)
                {
                    var entry = queue.Find(sequenceNumbers[i]);
                    if (entry is null)
                        continue;
                    Remove(entry);
                    batch.DeleteMessage(Key, entry.SequenceNumber);
                }
                _accessedAt = _time.GetUtcNow();
            }
            if (batch.Count > 0)
                await _store.CommitAsync(batch, cancellationToken).ConfigureAwait(false);
            removed += batch.Count;
        }
        return removed;
    }
}
