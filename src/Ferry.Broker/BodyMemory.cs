namespace Ferry.Broker;

/// <summary>
/// The bytes of message bodies the index keeps in memory, against one budget for the whole broker. A message that becomes
/// durable keeps its body while the budget allows; beyond it the entry keeps its metadata only and the body is read back
/// from the store when the message is delivered or peeked (as for messages recovered at start-up). So a backlog that
/// receivers do not keep up with costs index memory (~200 bytes a message), not its bodies. Thread-safe.
/// </summary>
internal sealed class BodyMemory(long limitBytes)
{
    private long _held;

    public long LimitBytes { get; } = limitBytes;

    /// <summary>Bytes held now.</summary>
    public long HeldBytes => Interlocked.Read(ref _held);

    /// <summary>Counts <paramref name="bytes"/> in when they fit under the limit; false (nothing counted) when they do not.</summary>
    public bool TryHold(long bytes)
    {
        if (Interlocked.Add(ref _held, bytes) <= LimitBytes)
            return true;
        Interlocked.Add(ref _held, -bytes);
        return false;
    }

    public void Release(long bytes) => Interlocked.Add(ref _held, -bytes);
}
