using System.Globalization;
using System.Xml;
using System.Xml.Linq;
using Ferry.Broker.Filters;
using static Ferry.Server.Atom.AtomNames;

namespace Ferry.Server.Atom;

/// <summary>
/// Rules as <c>RuleDescription</c> elements, both ways:
/// <code>
/// &lt;RuleDescription xmlns="…/servicebus/connect" xmlns:i="…XMLSchema-instance"&gt;
///   &lt;Filter i:type="SqlFilter|CorrelationFilter|TrueFilter|FalseFilter"&gt;
///     &lt;SqlExpression/&gt; &lt;Parameters/&gt;   |   &lt;CorrelationId/&gt; &lt;MessageId/&gt; &lt;To/&gt; &lt;ReplyTo/&gt; &lt;Label/&gt;
///     &lt;SessionId/&gt; &lt;ReplyToSessionId/&gt; &lt;ContentType/&gt; &lt;Properties/&gt;
///   &lt;/Filter&gt;
///   &lt;Action i:type="EmptyRuleAction|SqlRuleAction"&gt;[&lt;SqlExpression/&gt; &lt;Parameters/&gt;]&lt;/Action&gt;
///   &lt;CreatedAt/&gt; &lt;Name/&gt;
/// &lt;/RuleDescription&gt;
/// Parameters / Properties:
///   &lt;KeyValueOfstringanyType&gt;&lt;Key&gt;k&lt;/Key&gt;&lt;Value i:type="d6p1:string" xmlns:d6p1="…/XMLSchema"&gt;v&lt;/Value&gt;&lt;/KeyValueOfstringanyType&gt;*
/// </code>
/// </summary>
/// <remarks>
/// The JS client reads a value's type as the text after the first five characters of <c>i:type</c>, so the prefix
/// written is exactly four characters (<c>d6p1</c>), as Azure writes it; and it knows only string, int, double, boolean
/// and dateTime. So integers in the 32-bit range are written as int, other integers as long, every other number as
/// double, and types it has no name for (Guid, TimeSpan, …) as their string.
/// </remarks>
internal static class AtomRules
{
    private const string ValuePrefix = "d6p1";
    private const string CompatibilityLevel = "20";

    public static XElement Describe(Rule rule) =>
        AtomDescriptions.Description("RuleDescription",
            Filter(rule.Filter),
            Action(rule.Action),
            Element("CreatedAt", Date(rule.CreatedAt)),
            Element("Name", rule.Name));

    private static XElement Filter(RuleFilter filter) => filter switch
    {
        TrueFilter => Typed("Filter", "TrueFilter", Element("SqlExpression", TrueFilter.SqlExpression), Element("CompatibilityLevel", CompatibilityLevel)),
        FalseFilter => Typed("Filter", "FalseFilter", Element("SqlExpression", FalseFilter.SqlExpression), Element("CompatibilityLevel", CompatibilityLevel)),
        SqlFilter sql => Typed("Filter", "SqlFilter", Element("SqlExpression", sql.Expression), KeyValues("Parameters", sql.Parameters),
            Element("CompatibilityLevel", CompatibilityLevel)),
        CorrelationFilter c => Typed("Filter", "CorrelationFilter",
            Optional("CorrelationId", c.CorrelationId), Optional("MessageId", c.MessageId), Optional("To", c.To), Optional("ReplyTo", c.ReplyTo),
            Optional("Label", c.Subject), Optional("SessionId", c.SessionId), Optional("ReplyToSessionId", c.ReplyToSessionId),
            Optional("ContentType", c.ContentType), KeyValues("Properties", c.Properties)),
        _ => throw new InvalidOperationException($"Unknown filter type {filter.GetType().Name}."),
    };

    private static XElement Action(RuleAction action) => action switch
    {
        SqlRuleAction sql => Typed("Action", "SqlRuleAction", Element("SqlExpression", sql.Expression), KeyValues("Parameters", sql.Parameters),
            Element("CompatibilityLevel", CompatibilityLevel)),
        _ => Typed("Action", "EmptyRuleAction"),
    };

    private static XElement Typed(string name, string type, params object?[] content) =>
        Element(name, new object[] { new XAttribute(Instance + "type", type), content });

    private static XElement? Optional(string name, string? value) => value is null ? null : Element(name, value);

    private static XElement? KeyValues(string name, IReadOnlyDictionary<string, object?> values)
    {
        if (values.Count == 0)
            return null;
        var container = Element(name, null);
        foreach (var (key, value) in values)
            container.Add(Element("KeyValueOfstringanyType", new object[] { Element("Key", key), Value(value) }));
        return container;
    }

    private static XElement Value(object? value)
    {
        if (value is null)
            return Element("Value", new XAttribute(Instance + "nil", "true"));
        var (type, text) = value switch
        {
            string s => ("string", s),
            bool b => ("boolean", b ? "true" : "false"),
            int or short or ushort or byte or sbyte => ("int", Convert.ToString(value, CultureInfo.InvariantCulture)!),
            long l when l is >= int.MinValue and <= int.MaxValue => ("int", l.ToString(CultureInfo.InvariantCulture)),
            long or uint or ulong => ("long", Convert.ToString(value, CultureInfo.InvariantCulture)!),
            double d => ("double", XmlConvert.ToString(d)),
            float f => ("double", XmlConvert.ToString((double)f)),
            decimal m => ("double", XmlConvert.ToString((double)m)),
            DateTime t => ("dateTime", Date(t.Kind == DateTimeKind.Local ? new DateTimeOffset(t) : new DateTimeOffset(DateTime.SpecifyKind(t, DateTimeKind.Utc)))),
            DateTimeOffset t => ("dateTime", Date(t)),
            TimeSpan t => ("string", XmlConvert.ToString(t)),
            _ => ("string", Convert.ToString(value, CultureInfo.InvariantCulture) ?? string.Empty),
        };
        return Element("Value", new object[]
        {
            new XAttribute(Instance + "type", $"{ValuePrefix}:{type}"),
            new XAttribute(XNamespace.Xmlns + ValuePrefix, Schema),
            text,
        });
    }

    /// <summary>Builds a rule from a <c>RuleDescription</c>; the rule's name comes from the URL.</summary>
    /// <exception cref="AtomException">400: an unknown filter or action type, a bad SQL expression, a bad value.</exception>
    public static Rule Parse(XElement description, string name, DateTimeOffset now)
    {
        if (Rule.ValidateName(name) is { } nameProblem)
            throw AtomException.BadRequest($"The rule name '{name}' is invalid: {nameProblem}");
        foreach (var element in description.Elements())
        {
            if (element.Name.LocalName is not ("Filter" or "Action" or "Name" or "CreatedAt" or "ModifiedAt"))
                throw AtomException.BadRequest($"The element '{element.Name.LocalName}' is not part of a RuleDescription; allowed: Filter, Action, Name.");
        }
        try
        {
            var filter = ParseFilter(Child(description, "Filter"));
            var action = ParseAction(Child(description, "Action"));
            return Rule.Create(name, filter, action, now);
        }
        catch (FilterSyntaxException ex)
        {
            throw AtomException.BadRequest($"The rule '{name}' is invalid: {ex.Message}");
        }
        catch (ArgumentException ex)
        {
            throw AtomException.BadRequest($"The rule '{name}' is invalid: {ex.Message}");
        }
    }

    private static RuleFilter ParseFilter(XElement? filter)
    {
        if (filter is null)
            return TrueFilter.Instance;
        var type = TypeOf(filter) ?? (Child(filter, "SqlExpression") is null ? "CorrelationFilter" : "SqlFilter");
        switch (type)
        {
            case "TrueFilter":
                return TrueFilter.Instance;
            case "FalseFilter":
                return FalseFilter.Instance;
            case "SqlFilter":
                return RuleFilter.FromSqlExpression(Required(filter, "SqlExpression", "SqlFilter"), KeyValuesOf(Child(filter, "Parameters"), "Filter Parameters"));
            case "CorrelationFilter":
                return new CorrelationFilter
                {
                    CorrelationId = Text(filter, "CorrelationId"),
                    MessageId = Text(filter, "MessageId"),
                    To = Text(filter, "To"),
                    ReplyTo = Text(filter, "ReplyTo"),
                    Subject = Text(filter, "Label"),
                    SessionId = Text(filter, "SessionId"),
                    ReplyToSessionId = Text(filter, "ReplyToSessionId"),
                    ContentType = Text(filter, "ContentType"),
                    Properties = KeyValuesOf(Child(filter, "Properties"), "Filter Properties") ?? new Dictionary<string, object?>(),
                };
            default:
                throw AtomException.BadRequest($"The filter type '{type}' is not known; allowed: SqlFilter, CorrelationFilter, TrueFilter, FalseFilter.");
        }
    }

    private static SqlRuleAction? ParseAction(XElement? action)
    {
        if (action is null)
            return null;
        var type = TypeOf(action) ?? (Child(action, "SqlExpression") is null ? "EmptyRuleAction" : "SqlRuleAction");
        return type switch
        {
            "EmptyRuleAction" => null,
            "SqlRuleAction" => new SqlRuleAction(Required(action, "SqlExpression", "SqlRuleAction"), KeyValuesOf(Child(action, "Parameters"), "Action Parameters")),
            _ => throw AtomException.BadRequest($"The action type '{type}' is not known; allowed: EmptyRuleAction, SqlRuleAction."),
        };
    }

    private static Dictionary<string, object?>? KeyValuesOf(XElement? container, string what)
    {
        if (container is null)
            return null;
        var result = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var pair in container.Elements())
        {
            var key = Child(pair, "Key")?.Value;
            if (pair.Name.LocalName != "KeyValueOfstringanyType" || string.IsNullOrEmpty(key))
                throw AtomException.BadRequest($"{what}: each item must be <KeyValueOfstringanyType> with a <Key> and a <Value>.");
            var value = Child(pair, "Value") ?? throw AtomException.BadRequest($"{what}: the item '{key}' has no <Value>.");
            if (!result.TryAdd(key, ParseValue(value, $"{what} '{key}'")))
                throw AtomException.BadRequest($"{what}: the key '{key}' is given more than once.");
        }
        return result;
    }

    private static object? ParseValue(XElement value, string what)
    {
        if ((string?)value.Attribute(Instance + "nil") is "true")
            return null;
        var type = TypeOf(value) ?? "string";
        var text = value.Value;
        try
        {
            return type switch
            {
                "string" => text,
                "boolean" => XmlConvert.ToBoolean(text),
                "int" or "short" or "byte" or "unsignedByte" or "unsignedShort" => XmlConvert.ToInt32(text),
                "long" or "unsignedInt" => XmlConvert.ToInt64(text),
                "double" or "float" or "decimal" => XmlConvert.ToDouble(text),
                "dateTime" => XmlConvert.ToDateTimeOffset(text).UtcDateTime,
                "guid" => Guid.Parse(text, CultureInfo.InvariantCulture),
                "duration" => XmlConvert.ToTimeSpan(text),
                _ => throw AtomException.BadRequest(
                    $"{what}: the type '{type}' is not supported; allowed: string, boolean, int, long, double, dateTime, guid, duration."),
            };
        }
        catch (Exception ex) when (ex is FormatException or OverflowException)
        {
            throw AtomException.BadRequest($"{what}: '{text}' is not a valid {type}.");
        }
    }

    /// <summary>The local part of an <c>i:type</c> attribute (<c>l28:string</c> → <c>string</c>), or null.</summary>
    private static string? TypeOf(XElement element)
    {
        var type = (string?)element.Attribute(Instance + "type");
        if (string.IsNullOrEmpty(type))
            return null;
        var colon = type.IndexOf(':', StringComparison.Ordinal);
        return colon < 0 ? type : type[(colon + 1)..];
    }

    private static XElement? Child(XElement parent, string localName)
    {
        foreach (var element in parent.Elements())
        {
            if (element.Name.LocalName == localName)
                return element;
        }
        return null;
    }

    private static string? Text(XElement parent, string localName) => Child(parent, localName) is { } e && e.Value.Length > 0 ? e.Value : null;

    private static string Required(XElement parent, string localName, string what) =>
        Text(parent, localName) ?? throw AtomException.BadRequest($"The {what} has no {localName}.");
}
