using Ferry.Storage;

namespace Ferry.Broker;

/// <summary>
/// An immutable snapshot of a message as it is delivered or peeked: the stored encoded sections plus the broker-owned
/// state that the wire layer writes in front of them (sequence number, enqueued time, lock, state, delivery count).
/// </summary>
public sealed class BrokerMessage
{
    public required long SequenceNumber { get; init; }

    /// <summary>The lock token; <see cref="Guid.Empty"/> when the message is not locked (peeked, received and deleted).</summary>
    public Guid LockToken { get; init; }

    /// <summary>When the lock expires; null when not locked.</summary>
    public DateTimeOffset? LockedUntil { get; init; }

    /// <summary>Number of previous delivery attempts (AMQP header delivery-count).</summary>
    public int DeliveryCount { get; init; }

    public DateTimeOffset EnqueuedTime { get; init; }

    public MessageState State { get; init; }

    public SubQueue SubQueue { get; init; }

    public string? MessageId { get; init; }

    public string? SessionId { get; init; }

    public DateTimeOffset? ScheduledEnqueueTime { get; init; }

    /// <summary>When the message expires; null for never.</summary>
    public DateTimeOffset? ExpiresAt { get; init; }

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
