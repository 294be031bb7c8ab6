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

    /// <summary>
    /// A body larger than this is never kept: it goes to the store and is read back for each delivery. Large bodies kept
    /// until their message is consumed let the large-object heap grow far past the budget (1.2 GB of RSS with 1 MB
    /// messages against 0.48 GB when none was kept), while reading one back costs little next to moving it.
    /// </summary>
    public const int LargestKeptBytes = 64 * 1024;

    /// <summary>Bytes held now.</summary>
    public long HeldBytes => Interlocked.Read(ref _held);

    /// <summary>Counts <paramref name="bytes"/> in when they fit under the limit; false (nothing counted) when they do not.</summary>
    public bool TryHold(long bytes)
    {
        if (bytes > LargestKeptBytes)
            return false;
        if (Interlocked.Add(ref _held, bytes) <= LimitBytes)
            return true;
        Interlocked.Add(ref _held, -bytes);
        return false;
    }

    public void Release(long bytes) => Interlocked.Add(ref _held, -bytes);
}
