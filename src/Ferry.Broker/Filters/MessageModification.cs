using System.Collections.ObjectModel;

namespace Ferry.Broker.Filters;

/// <summary>
/// What a rule action changed: application properties set (final values, keyed as stored), application properties
/// removed (keys that existed), and system properties set (null means cleared). The broker stores these as the
/// subscription copy's overrides.
/// </summary>
public sealed class MessageModification
{
    public static MessageModification None { get; } = new(null, null, null);

    internal MessageModification(
        Dictionary<string, object?>? setProperties, List<string>? removedProperties, Dictionary<SystemProperty, object?>? setSystemProperties)
    {
        SetProperties = setProperties is { Count: > 0 } ? setProperties.AsReadOnly() : ReadOnlyDictionary<string, object?>.Empty;
        RemovedProperties = removedProperties is { Count: > 0 } ? removedProperties.AsReadOnly() : ReadOnlyCollection<string>.Empty;
        SetSystemProperties = setSystemProperties is { Count: > 0 }
            ? setSystemProperties.AsReadOnly()
            : ReadOnlyDictionary<SystemProperty, object?>.Empty;
    }

    public IReadOnlyDictionary<string, object?> SetProperties { get; }

    public IReadOnlyList<string> RemovedProperties { get; }

    /// <summary>
    /// New system property values: string for the string properties, <see cref="DateTimeOffset"/> (or null) for
    /// ScheduledEnqueueTimeUtc, <see cref="TimeSpan"/> for TimeToLive.
    /// </summary>
    public IReadOnlyDictionary<SystemProperty, object?> SetSystemProperties { get; }

    public bool IsEmpty => SetProperties.Count == 0 && RemovedProperties.Count == 0 && SetSystemProperties.Count == 0;

    /// <summary>A copy of <paramref name="message"/> with these changes made.</summary>
    public FilterMessage ApplyTo(IFilterMessage message)
    {
        var copy = FilterMessage.CopyOf(message);
        foreach (var key in RemovedProperties)
            copy.Properties.Remove(key);
        foreach (var (key, value) in SetProperties)
            copy.Properties[key] = value;
        foreach (var (property, value) in SetSystemProperties)
            copy.SetSystemProperty(property, value);
        return copy;
    }
}
