namespace Ferry.Storage;

/// <summary>
/// A message as persisted: the encoded AMQP sections it arrived in (<see cref="Body"/>), plus the broker-owned state.
/// </summary>
/// <remarks>
/// The key is (<see cref="Entity"/>, <see cref="SequenceNumber"/>); sequence numbers are unique per entity across both
/// sub-queues. Instances are immutable once handed to a <see cref="WriteBatch"/>.
/// </remarks>
public sealed class StoredMessage
{
    /// <summary>Lower-cased entity path the message belongs to.</summary>
    public required string Entity { get; init; }

    public required long SequenceNumber { get; init; }

    public SubQueue SubQueue { get; init; }

    public MessageState State { get; init; }

    /// <summary>
    /// Delivery attempts so far, counting a lock that is held now: the broker raises it when it locks a message, so a
    /// message locked at a crash comes back with its count raised.
    /// </summary>
    public int DeliveryCount { get; init; }

    public DateTimeOffset EnqueuedTime { get; init; }

    /// <summary>For scheduled messages: when they become active.</summary>
    public DateTimeOffset? ScheduledEnqueueTime { get; init; }

    /// <summary>When the message expires (enqueued time plus effective time-to-live); null for never.</summary>
    public DateTimeOffset? ExpiresAt { get; init; }

    /// <summary>Abandon-with-delay extension: the message is not delivered before this time.</summary>
    public DateTimeOffset? VisibleAfter { get; init; }

    public string? MessageId { get; init; }

    public string? SessionId { get; init; }

    /// <summary>
    /// Broker-owned overlay (application-property overrides, dead-letter reason and source…), serialized by the broker;
    /// opaque to the store. Null when there is none.
    /// </summary>
    public byte[]? Overlay { get; init; }

    /// <summary>
    /// The encoded message sections. Required on insert; ignored by <see cref="WriteBatch.UpdateMessage"/> (bodies are
    /// immutable) and empty on recovered messages (read them with <see cref="IMessageStore.ReadBodyAsync"/>).
    /// </summary>
    public ReadOnlyMemory<byte> Body { get; init; }

    /// <summary>Length in bytes of <see cref="Body"/>; kept on recovery, when the body itself is not loaded.</summary>
    public int BodyLength { get; init; }

    /// <summary>
    /// When set on insert: the body is the one put with <see cref="WriteBatch.PutBody"/> under this owner and this
    /// message's sequence number (in the same batch), and <see cref="Body"/> is ignored; <see cref="BodyLength"/> must
    /// still be given.
    /// </summary>
    public string? SharedBodyOwner { get; init; }
}
