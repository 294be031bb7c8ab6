namespace Ferry.Broker;

/// <summary>
/// One session of a session-enabled queue: its ready messages (FIFO by sequence number), the receiver holding its lock,
/// and its state blob. Used only under the entity's lock.
/// </summary>
internal sealed class SessionQueue
{
    public SessionQueue(string id) => Id = id;

    public string Id { get; }

    public ReadyQueue Ready { get; } = new();

    /// <summary>The receiver holding the session lock, or null.</summary>
    public Receiver? Owner { get; set; }

    public DateTimeOffset LockedUntil { get; set; }

    /// <summary>The session state set by clients; null when none.</summary>
    public byte[]? State { get; set; }

    /// <summary>Live messages of the session in the main queue (any state).</summary>
    public int MessageCount { get; set; }

    public bool IsLocked => Owner is not null;

    /// <summary>A session that holds nothing worth keeping is dropped from memory.</summary>
    public bool IsEmpty => MessageCount == 0 && Owner is null && State is null;
}
