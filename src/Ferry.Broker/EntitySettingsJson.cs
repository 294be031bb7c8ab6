using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Ferry.Broker.Filters;

namespace Ferry.Broker;

/// <summary>How entity settings (and a subscription's rules) are persisted in <see cref="Storage.StoredEntity.Settings"/>: JSON, versioned.</summary>
internal static class EntitySettingsJson
{
    internal sealed record Envelope(int Version, string Name, EntityOrigin Origin, QueueSettings? Queue, TopicSettings? Topic = null,
        List<StoredRule>? Rules = null);

    /// <summary>A rule as stored: the filter and action by their text or fields, so they are recompiled at start.</summary>
    internal sealed record StoredRule(string Name, string FilterType, string? Expression, Dictionary<string, StoredValue>? Parameters,
        StoredCorrelation? Correlation, string? ActionExpression, DateTimeOffset CreatedAt);

    internal sealed record StoredCorrelation(string? CorrelationId, string? MessageId, string? To, string? ReplyTo, string? Subject,
        string? SessionId, string? ReplyToSessionId, string? ContentType, Dictionary<string, StoredValue>? Properties);

    /// <summary>A property value with its type, so an int stays an int across a restart.</summary>
    internal sealed record StoredValue(string Type, string? Value);

    private static readonly JsonSerializerOptions Options = new()
    {
        Converters = { new JsonStringEnumConverter() },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static string Serialize(QueueSettings settings, EntityOrigin origin, string name, IReadOnlyList<Rule>? rules = null) =>
        JsonSerializer.Serialize(new Envelope(2, name, origin, settings, null, rules is null || rules.Count == 0 ? null : [.. rules.Select(ToStored)]), Options);

    public static string Serialize(TopicSettings settings, EntityOrigin origin, string name) =>
        JsonSerializer.Serialize(new Envelope(2, name, origin, null, settings), Options);

    public static Envelope Deserialize(string json) =>
        JsonSerializer.Deserialize<Envelope>(json, Options) ?? throw new JsonException("Entity settings are null.");

    public static StoredRule ToStored(Rule rule)
    {
        var action = rule.Action is SqlRuleAction sql ? sql.Expression : null;
        return rule.Filter switch
        {
            SqlFilter f => new StoredRule(rule.Name, "Sql", f.Expression, Values(f.Parameters), null, action, rule.CreatedAt),
            CorrelationFilter c => new StoredRule(rule.Name, "Correlation", null, null,
                new StoredCorrelation(c.CorrelationId, c.MessageId, c.To, c.ReplyTo, c.Subject, c.SessionId, c.ReplyToSessionId, c.ContentType,
                    Values(c.Properties)), action, rule.CreatedAt),
            FalseFilter => new StoredRule(rule.Name, "False", null, null, null, action, rule.CreatedAt),
            _ => new StoredRule(rule.Name, "True", null, null, null, action, rule.CreatedAt),
        };
    }

    public static Rule FromStored(StoredRule stored)
    {
        RuleFilter filter = stored.FilterType switch
        {
            "Sql" => new SqlFilter(stored.Expression ?? "1=1", Objects(stored.Parameters)),
            "Correlation" when stored.Correlation is { } c => new CorrelationFilter
            {
                Properties = Objects(c.Properties) ?? new Dictionary<string, object?>(),
                CorrelationId = c.CorrelationId,
                MessageId = c.MessageId,
                To = c.To,
                ReplyTo = c.ReplyTo,
                Subject = c.Subject,
                SessionId = c.SessionId,
                ReplyToSessionId = c.ReplyToSessionId,
                ContentType = c.ContentType,
            },
            "False" => FalseFilter.Instance,
            _ => TrueFilter.Instance,
        };
        RuleAction? action = stored.ActionExpression is { } expression ? new SqlRuleAction(expression) : null;
        return Rule.Create(stored.Name, filter, action, stored.CreatedAt);
    }

    private static Dictionary<string, StoredValue>? Values(IReadOnlyDictionary<string, object?>? values)
    {
        if (values is null || values.Count == 0)
            return null;
        var result = new Dictionary<string, StoredValue>(values.Count, StringComparer.Ordinal);
        foreach (var (key, value) in values)
        {
            result[key] = value switch
            {
                null => new StoredValue("null", null),
                DateTimeOffset d => new StoredValue("DateTimeOffset", d.ToString("O", CultureInfo.InvariantCulture)),
                DateTime d => new StoredValue("DateTimeOffset", new DateTimeOffset(d.ToUniversalTime(), TimeSpan.Zero).ToString("O", CultureInfo.InvariantCulture)),
                TimeSpan t => new StoredValue("TimeSpan", t.ToString("c", CultureInfo.InvariantCulture)),
                _ => new StoredValue(value.GetType().Name, Convert.ToString(value, CultureInfo.InvariantCulture)),
            };
        }
        return result;
    }

    private static Dictionary<string, object?>? Objects(Dictionary<string, StoredValue>? values)
    {
        if (values is null)
            return null;
        var result = new Dictionary<string, object?>(values.Count, StringComparer.Ordinal);
        foreach (var (key, stored) in values)
        {
            var text = stored.Value ?? string.Empty;
            var c = CultureInfo.InvariantCulture;
            result[key] = stored.Type switch
            {
                "null" => null,
                "String" => text,
                "Boolean" => bool.Parse(text),
                "Int32" => int.Parse(text, c),
                "Int64" => long.Parse(text, c),
                "UInt32" => uint.Parse(text, c),
                "UInt64" => ulong.Parse(text, c),
                "Int16" => short.Parse(text, c),
                "UInt16" => ushort.Parse(text, c),
                "Byte" => byte.Parse(text, c),
                "SByte" => sbyte.Parse(text, c),
                "Double" => double.Parse(text, c),
                "Single" => float.Parse(text, c),
                "Decimal" => decimal.Parse(text, c),
                "Char" => text.Length > 0 ? text[0] : '\0',
                "Guid" => Guid.Parse(text),
                "DateTimeOffset" => DateTimeOffset.Parse(text, c, DateTimeStyles.RoundtripKind),
                "TimeSpan" => TimeSpan.ParseExact(text, "c", c),
                _ => text,
            };
        }
        return result;
    }
}
