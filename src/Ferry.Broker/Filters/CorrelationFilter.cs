namespace Ferry.Broker.Filters;

/// <summary>
/// Azure's CorrelationFilter (CorrelationRuleFilter): matches when every field that is set equals the message's,
/// ordinally (case matters), and every listed application property is present with an equal value. Fields left null
/// are not compared; a filter with nothing set matches every message.
/// </summary>
/// <remarks>
/// Property values compare as SQL '=' does (5 equals 5L and 5.0), except that values of types that can't be
/// compared are simply unequal; a null value matches a property that is present and null. Property names are looked
/// up case-insensitively, as in SQL filters.
/// </remarks>
public sealed record CorrelationFilter : RuleFilter
{
    private readonly IReadOnlyDictionary<string, object?> _properties = EmptyProperties;
    private readonly (string Name, SqlValue Value)[] _compiled = [];

    private static readonly IReadOnlyDictionary<string, object?> EmptyProperties =
        System.Collections.ObjectModel.ReadOnlyDictionary<string, object?>.Empty;

    public string? CorrelationId { get; init; }

    public string? MessageId { get; init; }

    public string? To { get; init; }

    public string? ReplyTo { get; init; }

    /// <summary>The subject; <c>label</c> on the wire.</summary>
    public string? Subject { get; init; }

    public string? SessionId { get; init; }

    public string? ReplyToSessionId { get; init; }

    public string? ContentType { get; init; }

    /// <summary>Application properties to match; the setter copies the dictionary.</summary>
    /// <exception cref="ArgumentException">A value is of a type that can't be compared (binary, list, map, …).</exception>
    public IReadOnlyDictionary<string, object?> Properties
    {
        get => _properties;
        init
        {
            ArgumentNullException.ThrowIfNull(value);
            var copy = new Dictionary<string, object?>(value.Count, StringComparer.Ordinal);
            var compiled = new (string, SqlValue)[value.Count];
            var i = 0;
            foreach (var (key, item) in value)
            {
                ArgumentNullException.ThrowIfNull(key);
                var sqlValue = SqlValue.FromObject(item);
                if (sqlValue.Type == SqlType.Other)
                    throw new ArgumentException($"The property '{key}' is a {item!.GetType().Name}, which a correlation filter can't compare.", nameof(value));
                copy[key] = item;
                compiled[i++] = (key, sqlValue);
            }
            _properties = copy.AsReadOnly();
            _compiled = compiled;
        }
    }

    public override bool Match(IFilterMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (!Matches(CorrelationId, message.CorrelationId) || !Matches(MessageId, message.MessageId)
            || !Matches(To, message.To) || !Matches(ReplyTo, message.ReplyTo) || !Matches(Subject, message.Subject)
            || !Matches(SessionId, message.SessionId) || !Matches(ReplyToSessionId, message.ReplyToSessionId)
            || !Matches(ContentType, message.ContentType))
        {
            return false;
        }
        foreach (var (name, expected) in _compiled)
        {
            if (!PropertyLookup.TryGet(message.Properties, name, out var actual))
                return false;
            if (expected.IsNull ? actual is not null : !SqlValue.AreEqual(expected, SqlValue.FromObject(actual)))
                return false;
        }
        return true;
    }

    private static bool Matches(string? expected, string? actual) =>
        expected is null || string.Equals(expected, actual, StringComparison.Ordinal);

    public bool Equals(CorrelationFilter? other) =>
        other is not null
        && CorrelationId == other.CorrelationId && MessageId == other.MessageId && To == other.To
        && ReplyTo == other.ReplyTo && Subject == other.Subject && SessionId == other.SessionId
        && ReplyToSessionId == other.ReplyToSessionId && ContentType == other.ContentType
        && SqlParameters.AreEqual(_properties, other._properties);

    public override int GetHashCode() => HashCode.Combine(CorrelationId, MessageId, To, Subject, SessionId, _properties.Count);
}
