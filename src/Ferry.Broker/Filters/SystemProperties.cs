namespace Ferry.Broker.Filters;

/// <summary>
/// The SQL names of the <see cref="SystemProperty"/> values and their rules. Names are matched case-insensitively,
/// as Azure matches all property names.
/// </summary>
/// <remarks>
/// SQL types: the string properties are String (or NULL when absent); SequenceNumber and Size are Int64;
/// DeliveryCount is Int32; EnqueuedTimeUtc, ScheduledEnqueueTimeUtc and ExpiresAtUtc are DateTime in UTC (the last
/// two NULL when the message is not scheduled or never expires); TimeToLive is TimeSpan.
/// </remarks>
public static class SystemProperties
{
    private static readonly Dictionary<string, SystemProperty> ByName = new(StringComparer.OrdinalIgnoreCase)
    {
        ["MessageId"] = SystemProperty.MessageId,
        ["CorrelationId"] = SystemProperty.CorrelationId,
        ["Label"] = SystemProperty.Subject,
        ["Subject"] = SystemProperty.Subject,
        ["To"] = SystemProperty.To,
        ["ReplyTo"] = SystemProperty.ReplyTo,
        ["SessionId"] = SystemProperty.SessionId,
        ["ReplyToSessionId"] = SystemProperty.ReplyToSessionId,
        ["ContentType"] = SystemProperty.ContentType,
        ["PartitionKey"] = SystemProperty.PartitionKey,
        ["SequenceNumber"] = SystemProperty.SequenceNumber,
        ["EnqueuedTimeUtc"] = SystemProperty.EnqueuedTimeUtc,
        ["EnqueuedTime"] = SystemProperty.EnqueuedTimeUtc,
        ["ScheduledEnqueueTimeUtc"] = SystemProperty.ScheduledEnqueueTimeUtc,
        ["ScheduledEnqueueTime"] = SystemProperty.ScheduledEnqueueTimeUtc,
        ["ExpiresAtUtc"] = SystemProperty.ExpiresAtUtc,
        ["ExpiresAt"] = SystemProperty.ExpiresAtUtc,
        ["TimeToLive"] = SystemProperty.TimeToLive,
        ["DeliveryCount"] = SystemProperty.DeliveryCount,
        ["Size"] = SystemProperty.Size,
    };

    /// <summary>Every SQL name that <see cref="TryParse"/> accepts, aliases included.</summary>
    public static IReadOnlyCollection<string> Names => ByName.Keys;

    /// <summary>Resolves a name written after <c>sys.</c>, case-insensitively; false for an unknown name.</summary>
    public static bool TryParse(string name, out SystemProperty property) => ByName.TryGetValue(name, out property);

    /// <summary>The canonical SQL name (Azure's BrokeredMessage name): <c>Label</c> for <see cref="SystemProperty.Subject"/>.</summary>
    public static string GetName(SystemProperty property) => property switch
    {
        SystemProperty.Subject => "Label",
        _ => property.ToString(),
    };

    /// <summary>
    /// Whether a SQL action may SET the property: the ones a sender sets (ids, addresses, content type, partition key,
    /// schedule and time-to-live), not the ones the broker assigns (sequence number, times, delivery count, size).
    /// </summary>
    public static bool IsSettable(SystemProperty property) => property switch
    {
        SystemProperty.SequenceNumber or SystemProperty.EnqueuedTimeUtc or SystemProperty.ExpiresAtUtc
            or SystemProperty.DeliveryCount or SystemProperty.Size => false,
        _ => true,
    };

    /// <summary>Whether a SQL action may REMOVE the property (clear it to null): the settable ones that can be absent.</summary>
    public static bool IsRemovable(SystemProperty property) => IsSettable(property) && property != SystemProperty.TimeToLive;

    internal static bool IsString(SystemProperty property) => property <= SystemProperty.PartitionKey;
}
