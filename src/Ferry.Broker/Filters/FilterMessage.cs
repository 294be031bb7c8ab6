namespace Ferry.Broker.Filters;

/// <summary>
/// A plain, mutable <see cref="IFilterMessage"/>: the broker fills one from a stored message to evaluate rules, and
/// <see cref="MessageModification.ApplyTo"/> returns one with an action's changes. Not thread-safe.
/// </summary>
public sealed class FilterMessage : IFilterMessage
{
    public FilterMessage() => Properties = new Dictionary<string, object?>(StringComparer.Ordinal);

    /// <summary>Creates a message with <paramref name="properties"/> as its application properties (the dictionary is used, not copied).</summary>
    public FilterMessage(Dictionary<string, object?> properties)
    {
        ArgumentNullException.ThrowIfNull(properties);
        Properties = properties;
    }

    public string? MessageId { get; set; }

    public string? CorrelationId { get; set; }

    public string? Subject { get; set; }

    public string? To { get; set; }

    public string? ReplyTo { get; set; }

    public string? SessionId { get; set; }

    public string? ReplyToSessionId { get; set; }

    public string? ContentType { get; set; }

    public string? PartitionKey { get; set; }

    public long SequenceNumber { get; set; }

    public DateTimeOffset EnqueuedTime { get; set; }

    public DateTimeOffset? ScheduledEnqueueTime { get; set; }

    public DateTimeOffset? ExpiresAt { get; set; }

    public TimeSpan TimeToLive { get; set; } = TimeSpan.MaxValue;

    public int DeliveryCount { get; set; }

    public long Size { get; set; }

    public Dictionary<string, object?> Properties { get; }

    IReadOnlyDictionary<string, object?> IFilterMessage.Properties => Properties;

    /// <summary>A copy of <paramref name="source"/>, with its own properties dictionary.</summary>
    public static FilterMessage CopyOf(IFilterMessage source)
    {
        ArgumentNullException.ThrowIfNull(source);
        var properties = new Dictionary<string, object?>(source.Properties.Count, StringComparer.Ordinal);
        foreach (var (key, value) in source.Properties)
            properties[key] = value;
        return new FilterMessage(properties)
        {
            MessageId = source.MessageId,
            CorrelationId = source.CorrelationId,
            Subject = source.Subject,
            To = source.To,
            ReplyTo = source.ReplyTo,
            SessionId = source.SessionId,
            ReplyToSessionId = source.ReplyToSessionId,
            ContentType = source.ContentType,
            PartitionKey = source.PartitionKey,
            SequenceNumber = source.SequenceNumber,
            EnqueuedTime = source.EnqueuedTime,
            ScheduledEnqueueTime = source.ScheduledEnqueueTime,
            ExpiresAt = source.ExpiresAt,
            TimeToLive = source.TimeToLive,
            DeliveryCount = source.DeliveryCount,
            Size = source.Size,
        };
    }

    /// <summary>Sets a system property from an action's value (see <see cref="MessageModification.SetSystemProperties"/> for the types).</summary>
    internal void SetSystemProperty(SystemProperty property, object? value)
    {
        switch (property)
        {
            case SystemProperty.MessageId: MessageId = (string?)value; break;
            case SystemProperty.CorrelationId: CorrelationId = (string?)value; break;
            case SystemProperty.Subject: Subject = (string?)value; break;
            case SystemProperty.To: To = (string?)value; break;
            case SystemProperty.ReplyTo: ReplyTo = (string?)value; break;
            case SystemProperty.SessionId: SessionId = (string?)value; break;
            case SystemProperty.ReplyToSessionId: ReplyToSessionId = (string?)value; break;
            case SystemProperty.ContentType: ContentType = (string?)value; break;
            case SystemProperty.PartitionKey: PartitionKey = (string?)value; break;
            case SystemProperty.ScheduledEnqueueTimeUtc: ScheduledEnqueueTime = (DateTimeOffset?)value; break;
            case SystemProperty.TimeToLive: TimeToLive = (TimeSpan)value!; break;
            default: throw new ArgumentOutOfRangeException(nameof(property), property, "The system property can't be set.");
        }
    }
}
