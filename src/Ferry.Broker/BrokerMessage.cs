using Ferry.Storage;

namespace Ferry.Broker;

/// <summary>
/// An immutable snapshot of a message as it is delivered or peeked: the stored encoded sections plus the broker-owned
/// state that the wire layer writes in front of them (sequence number, enqueued time, lock, state, delivery count).
/// </summary>
public sealed class BrokerMessage
{
    // Times are kept as UTC ticks: 8 bytes each where a DateTimeOffset? took 24 (one of these is made for every delivery).
    // A time comes back as the same instant with a zero offset (everything the broker keeps is UTC already).
    private readonly long _enqueuedTime;
    private readonly long _lockedUntil;
    private readonly long _scheduledEnqueueTime;
    private readonly long _expiresAt;

    // UTC ticks plus one, so that 0 (a field never set) is null and DateTimeOffset.MinValue stays a time.
    private static long ToTicks(DateTimeOffset? value) => value is { } time ? time.UtcTicks + 1 : 0;

    private static DateTimeOffset? FromTicks(long ticks) => ticks == 0 ? null : new DateTimeOffset(ticks - 1, TimeSpan.Zero);

    public required long SequenceNumber { get; init; }

    /// <summary>The lock token; <see cref="Guid.Empty"/> when the message is not locked (peeked, received and deleted).</summary>
    public Guid LockToken { get; init; }

    /// <summary>When the lock expires; null when not locked.</summary>
    public DateTimeOffset? LockedUntil
    {
        get => FromTicks(_lockedUntil);
        init => _lockedUntil = ToTicks(value);
    }

    /// <summary>Number of previous delivery attempts (AMQP header delivery-count).</summary>
    public int DeliveryCount { get; init; }

    public DateTimeOffset EnqueuedTime
    {
        get => new(_enqueuedTime, TimeSpan.Zero);
        init => _enqueuedTime = value.UtcTicks;
    }

    public MessageState State { get; init; }

    public SubQueue SubQueue { get; init; }

    public string? MessageId { get; init; }

    public string? SessionId { get; init; }

    public DateTimeOffset? ScheduledEnqueueTime
    {
        get => FromTicks(_scheduledEnqueueTime);
        init => _scheduledEnqueueTime = ToTicks(value);
    }

    /// <summary>When the message expires; null for never.</summary>
    public DateTimeOffset? ExpiresAt
    {
        get => FromTicks(_expiresAt);
        init => _expiresAt = ToTicks(value);
    }

    /// <summary>
    /// Application properties the broker set or changed after the message arrived (properties-to-modify, the
    /// dead-letter reason and description); the wire layer merges them over the stored application-properties.
    /// </summary>
    public IReadOnlyDictionary<string, object?>? PropertyOverrides { get; init; }

    /// <summary>Application properties of the stored message that the wire layer leaves out (a rule action's REMOVE).</summary>
    public IReadOnlyCollection<string>? RemovedProperties { get; init; }

    /// <summary>
    /// System properties the wire layer writes in place of the stored ones (a rule action's SET or REMOVE of
    /// <c>sys.X</c>): string for the id, address and content-type properties, <see cref="TimeSpan"/> for TimeToLive,
    /// <see cref="DateTimeOffset"/> or null for ScheduledEnqueueTimeUtc; null clears the property.
    /// </summary>
    public IReadOnlyDictionary<Filters.SystemProperty, object?>? SystemPropertyOverrides { get; init; }

    /// <summary>For dead-lettered messages: the entity the message was dead-lettered from.</summary>
    public string? DeadLetterSource { get; init; }

    /// <summary>The encoded sections; empty when <see cref="IsBodyLoaded"/> is false (load with <see cref="QueueEntity.LoadBodyAsync"/>).</summary>
    public ReadOnlyMemory<byte> Body { get; init; }

    public bool IsBodyLoaded { get; init; }

    /// <summary>Size of the encoded sections in bytes.</summary>
    public int Size { get; init; }
}
