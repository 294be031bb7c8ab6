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
    // Times are kept as UTC ticks: 8 bytes each where a DateTimeOffset? took 24. Two of these are made for every message
    // (its insert, and its delivery-count update when it is locked), so this is 112 bytes less per message. A time comes
    // back as the same instant with a zero offset (everything the broker stores is UTC already).
    private readonly long _enqueuedTime;
    private readonly long _scheduledEnqueueTime;
    private readonly long _expiresAt;
    private readonly long _visibleAfter;

    // UTC ticks plus one, so that 0 (a field never set) is null and DateTimeOffset.MinValue stays a time.
    private static long ToTicks(DateTimeOffset? value) => value is { } time ? time.UtcTicks + 1 : 0;

    private static DateTimeOffset? FromTicks(long ticks) => ticks == 0 ? null : new DateTimeOffset(ticks - 1, TimeSpan.Zero);

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

    public DateTimeOffset EnqueuedTime
    {
        get => new(_enqueuedTime, TimeSpan.Zero);
        init => _enqueuedTime = value.UtcTicks;
    }

    /// <summary>For scheduled messages: when they become active.</summary>
    public DateTimeOffset? ScheduledEnqueueTime
    {
        get => FromTicks(_scheduledEnqueueTime);
        init => _scheduledEnqueueTime = ToTicks(value);
    }

    /// <summary>When the message expires (enqueued time plus effective time-to-live); null for never.</summary>
    public DateTimeOffset? ExpiresAt
    {
        get => FromTicks(_expiresAt);
        init => _expiresAt = ToTicks(value);
    }

    /// <summary>Abandon-with-delay extension: the message is not delivered before this time.</summary>
    public DateTimeOffset? VisibleAfter
    {
        get => FromTicks(_visibleAfter);
        init => _visibleAfter = ToTicks(value);
    }

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
