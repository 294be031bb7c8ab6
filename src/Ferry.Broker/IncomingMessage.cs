namespace Ferry.Broker;

/// <summary>
/// A message as a sender hands it to the broker: its encoded sections plus the few fields the broker acts on, which
/// the wire layer reads out of those sections once, at the boundary.
/// </summary>
/// <remarks>The broker keeps a reference to <see cref="Body"/>; the caller must not reuse that memory.</remarks>
public sealed class IncomingMessage
{
    /// <summary>The encoded message sections (for AMQP: header, message-annotations, properties, application-properties, body, footer).</summary>
    public required ReadOnlyMemory<byte> Body { get; init; }

    /// <summary>The message id; the broker assigns one (a GUID, 32 hex digits) when null.</summary>
    public string? MessageId { get; init; }

    /// <summary>The session id (AMQP group-id).</summary>
    public string? SessionId { get; init; }

    /// <summary>The sender's time-to-live, capped by the entity's DefaultMessageTimeToLive; null for the entity default.</summary>
    public TimeSpan? TimeToLive { get; init; }

    /// <summary>When set and in the future, the message is scheduled and becomes active at that time.</summary>
    public DateTimeOffset? ScheduledEnqueueTime { get; init; }

    /// <summary>
    /// What subscription rules see of the message (system and application properties), decoded once by the wire layer.
    /// Required when sending to a topic whose subscriptions have rules other than true/false filters.
    /// </summary>
    public Filters.IFilterMessage? FilterView { get; init; }

    /// <summary>Broker-owned property changes carried along when a message is forwarded (rule actions, dead-letter reason).</summary>
    internal MessageOverlay? Overlay { get; init; }

    /// <summary>How many times auto-forwarding moved this message already.</summary>
    internal int ForwardHops { get; init; }
}
