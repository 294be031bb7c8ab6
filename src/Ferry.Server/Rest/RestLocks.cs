using System.Collections.Concurrent;
using System.Globalization;
using Ferry.Broker;

namespace Ferry.Server.Rest;

/// <summary>
/// The locks the REST API handed out, so that the <c>{seq|messageId}</c> segment of a settle path can be checked against
/// the message the lock token names. The broker identifies a locked message by its token alone.
/// </summary>
/// <remarks>
/// Entries leave when the message is completed or unlocked here; the rest (expired locks, settlement over AMQP) are swept
/// every <see cref="SweepEvery"/> additions. A token not found here (a lock taken over AMQP, or swept) is checked by the
/// broker alone.
/// </remarks>
internal sealed class RestLocks
{
    private const int SweepEvery = 1024;
    private readonly ConcurrentDictionary<Guid, Entry> _locks = new();
    private int _added;

    public int Count => _locks.Count;

    public void Add(QueueEntity entity, BrokerMessage message)
    {
        _locks[message.LockToken] = new Entry(entity, message.SequenceNumber, message.MessageId);
        if (Interlocked.Increment(ref _added) % SweepEvery == 0)
            Sweep();
    }

    public void Remove(Guid lockToken) => _locks.TryRemove(lockToken, out _);

    /// <summary>
    /// False when <paramref name="lockToken"/> is a lock this API handed out for a message whose sequence number and
    /// message id both differ from <paramref name="reference"/>; true otherwise.
    /// </summary>
    public bool Matches(Guid lockToken, string reference)
    {
        if (!_locks.TryGetValue(lockToken, out var entry))
            return true;
        return string.Equals(reference, entry.SequenceNumber.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
            || string.Equals(reference, entry.MessageId, StringComparison.Ordinal);
    }

    private void Sweep()
    {
        foreach (var (token, entry) in _locks)
        {
            if (!entry.Entity.HoldsLock(token))
                _locks.TryRemove(token, out _);
        }
    }

    private sealed record Entry(QueueEntity Entity, long SequenceNumber, string? MessageId);
}
