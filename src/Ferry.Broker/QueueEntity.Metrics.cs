namespace Ferry.Broker;

public sealed partial class QueueEntity
{
    private long _messagesSent;
    private long _messagesReceived;
    private long _messagesCompleted;
    private long _messagesAbandoned;
    private long _messagesDeadLettered;
    private long _messagesExpired;
    private long _lockExpiries;

    /// <summary>Messages stored by sends since the process started (messages dropped as duplicates are not counted).</summary>
    public long MessagesSent => Interlocked.Read(ref _messagesSent);

    /// <summary>Deliveries to receivers (peek-lock and receive-and-delete, main and dead-letter queue) since the process started.</summary>
    public long MessagesReceived => Interlocked.Read(ref _messagesReceived);

    /// <summary>Completions since the process started.</summary>
    public long MessagesCompleted => Interlocked.Read(ref _messagesCompleted);

    /// <summary>Abandons since the process started (lock expiries are counted in <see cref="LockExpiries"/>).</summary>
    public long MessagesAbandoned => Interlocked.Read(ref _messagesAbandoned);

    /// <summary>Moves to the dead-letter queue, for any reason (explicit, MaxDeliveryCount, TTL), since the process started.</summary>
    public long MessagesDeadLettered => Interlocked.Read(ref _messagesDeadLettered);

    /// <summary>Messages whose time-to-live ran out (dropped or dead-lettered) since the process started.</summary>
    public long MessagesExpired => Interlocked.Read(ref _messagesExpired);

    /// <summary>Locks that expired without a settlement since the process started.</summary>
    public long LockExpiries => Interlocked.Read(ref _lockExpiries);
}
