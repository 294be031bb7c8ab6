namespace Ferry.Broker.Filters;

/// <summary>
/// Case-insensitive access to application properties, as Azure names them: an exact key first (the common case,
/// one hash lookup), then the first key equal ignoring case.
/// </summary>
internal static class PropertyLookup
{
    public static bool TryGet(IReadOnlyDictionary<string, object?> properties, string name, out object? value)
    {
        if (properties.TryGetValue(name, out value))
            return true;
        var key = FindKeyIgnoringCase(properties, name);
        if (key is null)
            return false;
        value = properties[key];
        return true;
    }

    /// <summary>The stored key that <paramref name="name"/> addresses, or null.</summary>
    public static string? FindKey(IReadOnlyDictionary<string, object?> properties, string name) =>
        properties.ContainsKey(name) ? name : FindKeyIgnoringCase(properties, name);

    private static string? FindKeyIgnoringCase(IReadOnlyDictionary<string, object?> properties, string name)
    {
        if (properties.Count == 0)
            return null;
        if (properties is Dictionary<string, object?> dictionary)
        {
            // A case-insensitive dictionary has already answered; the concrete type enumerates without allocating.
            if (ReferenceEquals(dictionary.Comparer, StringComparer.OrdinalIgnoreCase))
                return null;
            foreach (var key in dictionary.Keys)
            {
                if (string.Equals(key, name, StringComparison.OrdinalIgnoreCase))
                    return key;
            }
            return null;
        }
        foreach (var (key, _) in properties)
        {
            if (string.Equals(key, name, StringComparison.OrdinalIgnoreCase))
                return key;
        }
        return null;
    }

    public static SqlValue ReadSystem(IFilterMessage message, SystemProperty property) => property switch
    {
        SystemProperty.MessageId => SqlValue.String(message.MessageId),
        SystemProperty.CorrelationId => SqlValue.String(message.CorrelationId),
        SystemProperty.Subject => SqlValue.String(message.Subject),
        SystemProperty.To => SqlValue.String(message.To),
        SystemProperty.ReplyTo => SqlValue.String(message.ReplyTo),
        SystemProperty.SessionId => SqlValue.String(message.SessionId),
        SystemProperty.ReplyToSessionId => SqlValue.String(message.ReplyToSessionId),
        SystemProperty.ContentType => SqlValue.String(message.ContentType),
        SystemProperty.PartitionKey => SqlValue.String(message.PartitionKey),
        SystemProperty.SequenceNumber => SqlValue.Int64(message.SequenceNumber),
        SystemProperty.EnqueuedTimeUtc => SqlValue.DateTime(message.EnqueuedTime),
        SystemProperty.ScheduledEnqueueTimeUtc => SqlValue.DateTime(message.ScheduledEnqueueTime),
        SystemProperty.ExpiresAtUtc => SqlValue.DateTime(message.ExpiresAt),
        SystemProperty.TimeToLive => SqlValue.TimeSpan(message.TimeToLive),
        SystemProperty.DeliveryCount => SqlValue.Int32(message.DeliveryCount),
        SystemProperty.Size => SqlValue.Int64(message.Size),
        _ => throw new ArgumentOutOfRangeException(nameof(property), property, null),
    };
}
