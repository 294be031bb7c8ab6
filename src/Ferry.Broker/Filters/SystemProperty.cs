namespace Ferry.Broker.Filters;

/// <summary>
/// A broker-defined message property that SQL filters and actions address with the <c>sys.</c> scope. Names follow
/// Azure's (the BrokeredMessage property names, plus the Azure.Messaging.ServiceBus names as aliases); see
/// <see cref="SystemProperties"/> for the SQL names, the SQL type of each and which ones an action may change.
/// </summary>
public enum SystemProperty
{
    MessageId,
    CorrelationId,

    /// <summary><c>sys.Label</c> or <c>sys.Subject</c>.</summary>
    Subject,
    To,
    ReplyTo,
    SessionId,
    ReplyToSessionId,
    ContentType,
    PartitionKey,
    SequenceNumber,

    /// <summary><c>sys.EnqueuedTimeUtc</c> or <c>sys.EnqueuedTime</c>.</summary>
    EnqueuedTimeUtc,

    /// <summary><c>sys.ScheduledEnqueueTimeUtc</c> or <c>sys.ScheduledEnqueueTime</c>.</summary>
    ScheduledEnqueueTimeUtc,

    /// <summary><c>sys.ExpiresAtUtc</c> or <c>sys.ExpiresAt</c>.</summary>
    ExpiresAtUtc,
    TimeToLive,
    DeliveryCount,
    Size,
}
