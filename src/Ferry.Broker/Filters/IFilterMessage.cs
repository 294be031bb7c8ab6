namespace Ferry.Broker.Filters;

/// <summary>
/// What a rule filter or action sees of a message: the system properties (<c>sys.</c> in SQL) and the application
/// properties (<c>user.</c>, or no scope).
/// </summary>
/// <remarks>
/// Filters only read. Implementations should return stored values without computing or allocating: a filter reads
/// some of these for every message and every subscription. <see cref="FilterMessage"/> is a plain implementation.
/// </remarks>
public interface IFilterMessage
{
    string? MessageId { get; }

    string? CorrelationId { get; }

    /// <summary>The subject, which Azure's SQL also calls <c>sys.Label</c>.</summary>
    string? Subject { get; }

    string? To { get; }

    string? ReplyTo { get; }

    string? SessionId { get; }

    string? ReplyToSessionId { get; }

    string? ContentType { get; }

    string? PartitionKey { get; }

    long SequenceNumber { get; }

    DateTimeOffset EnqueuedTime { get; }

    /// <summary>When the message is scheduled to become active; null when it is not scheduled.</summary>
    DateTimeOffset? ScheduledEnqueueTime { get; }

    /// <summary>When the message expires; null for never.</summary>
    DateTimeOffset? ExpiresAt { get; }

    /// <summary>The effective time-to-live; <see cref="TimeSpan.MaxValue"/> for never.</summary>
    TimeSpan TimeToLive { get; }

    int DeliveryCount { get; }

    /// <summary>The size of the encoded message in bytes.</summary>
    long Size { get; }

    /// <summary>
    /// The application properties, as .NET values: string, bool, the integral types, float, double, decimal, char,
    /// Guid, DateTime, DateTimeOffset, TimeSpan or null. Values of other types (binary, lists, maps) exist for
    /// EXISTS and IS NULL but can't be compared. SQL looks names up case-insensitively: an exact match first, then
    /// any key equal ignoring case.
    /// </summary>
    IReadOnlyDictionary<string, object?> Properties { get; }
}
