using System.Globalization;
using Ferry.Amqp;
using Ferry.Broker;
using Ferry.Broker.Filters;

namespace Ferry.Server.Amqp;

/// <summary>
/// Rule operations on a subscription's <c>$management</c> node (reference §6.4): add-rule, remove-rule and
/// enumerate-rules with the described-type encodings the SDKs decode.
/// </summary>
internal static class RuleOperations
{
    private const ulong RuleDescriptionCode = 0x0000013700000004;
    private const ulong SqlFilterCode = 0x0000001370000006;
    private const ulong TrueFilterCode = 0x0000001370000007;
    private const ulong FalseFilterCode = 0x0000001370000008;
    private const ulong CorrelationFilterCode = 0x0000001370000009;
    private const ulong EmptyRuleActionCode = 0x0000013700000005;
    private const ulong SqlRuleActionCode = 0x0000013700000006;
    private const int CompatibilityLevel = 20;

    public static async Task<byte[]> AddAsync(ManagementRequest request, FerryBroker broker, QueueEntity subscription, AmqpMap body, DateTimeOffset now)
    {
        var name = body.TryGetValue("rule-name", out var n) ? n as string : null;
        if (Rule.ValidateName(name) is { } nameError)
            throw new ArgumentException($"The rule name '{name}' is invalid: {nameError}");
        if (!body.TryGetValue("rule-description", out var d) || d is not AmqpMap description)
            throw new ArgumentException("add-rule needs 'rule-description', a map with sql-filter or correlation-filter.");
        Rule rule;
        try
        {
            rule = Rule.Create(name!, ReadFilter(description), ReadAction(description), now);
        }
        catch (FilterSyntaxException ex)
        {
            throw new ArgumentException(ex.Message, ex);
        }
        await broker.AddRuleAsync(subscription, rule).ConfigureAwait(false);
        return request.Response(cbs: false, 200, "OK");
    }

    public static async Task<byte[]> RemoveAsync(ManagementRequest request, FerryBroker broker, QueueEntity subscription, AmqpMap body)
    {
        var name = body.TryGetValue("rule-name", out var n) ? n as string : null;
        if (string.IsNullOrEmpty(name))
            throw new ArgumentException("remove-rule needs 'rule-name'.");
        await broker.RemoveRuleAsync(subscription, name).ConfigureAwait(false);
        return request.Response(cbs: false, 200, "OK");
    }

    /// <summary>enumerate-rules honours skip and top; an empty page is 204 (the SDK pages until it gets one).</summary>
    public static byte[] Enumerate(ManagementRequest request, QueueEntity subscription, AmqpMap body)
    {
        var skip = body.TryGetValue("skip", out var s) ? (int)Math.Clamp(Convert.ToInt64(s, CultureInfo.InvariantCulture), 0, int.MaxValue) : 0;
        var top = body.TryGetValue("top", out var t) ? (int)Math.Clamp(Convert.ToInt64(t, CultureInfo.InvariantCulture), 0, int.MaxValue) : int.MaxValue;
        var rules = subscription.Rules;
        if (skip >= rules.Count || top == 0)
            return request.Response(cbs: false, 204, "No rules.");
        var page = new List<object?>();
        for (var i = skip; i < rules.Count && page.Count < top; i++)
            page.Add(new AmqpMap { ["rule-description"] = Describe(rules[i]) });
        return request.Response(cbs: false, 200, "OK", new AmqpMap { ["rules"] = page });
    }

    private static DescribedValue Describe(Rule rule)
    {
        var filter = rule.Filter switch
        {
            SqlFilter sql => new DescribedValue(SqlFilterCode, new List<object?> { sql.Expression, CompatibilityLevel }),
            CorrelationFilter c => new DescribedValue(CorrelationFilterCode, new List<object?>
            {
                c.CorrelationId, c.MessageId, c.To, c.ReplyTo, c.Subject, c.SessionId, c.ReplyToSessionId, c.ContentType, Map(c.Properties),
            }),
            FalseFilter => new DescribedValue(FalseFilterCode, new List<object?>()),
            _ => new DescribedValue(TrueFilterCode, new List<object?>()),
        };
        var action = rule.Action is SqlRuleAction sqlAction
            ? new DescribedValue(SqlRuleActionCode, new List<object?> { sqlAction.Expression, CompatibilityLevel })
            : new DescribedValue(EmptyRuleActionCode, new List<object?>());
        return new DescribedValue(RuleDescriptionCode, new List<object?> { filter, action, rule.Name, rule.CreatedAt });
    }

    private static AmqpMap Map(IReadOnlyDictionary<string, object?> properties)
    {
        var map = new AmqpMap();
        foreach (var (key, value) in properties)
            map[key] = value;
        return map;
    }

    private static RuleFilter ReadFilter(AmqpMap description)
    {
        if (description.TryGetValue("sql-filter", out var sql) && sql is AmqpMap sqlMap)
        {
            var expression = sqlMap.TryGetValue("expression", out var e) ? e as string : null;
            if (string.IsNullOrWhiteSpace(expression))
                throw new ArgumentException("The sql-filter needs an 'expression'.");
            return RuleFilter.FromSqlExpression(expression, Parameters(sqlMap));
        }
        if (description.TryGetValue("correlation-filter", out var correlation) && correlation is AmqpMap c)
        {
            return new CorrelationFilter
            {
                CorrelationId = Text(c, "correlation-id"),
                MessageId = Text(c, "message-id"),
                To = Text(c, "to"),
                ReplyTo = Text(c, "reply-to"),
                Subject = Text(c, "label"),
                SessionId = Text(c, "session-id"),
                ReplyToSessionId = Text(c, "reply-to-session-id"),
                ContentType = Text(c, "content-type"),
                Properties = c.TryGetValue("properties", out var p) && p is AmqpMap map
                    ? ServiceBusMessageCodec.ToProperties(map) ?? new Dictionary<string, object?>()
                    : new Dictionary<string, object?>(),
            };
        }
        throw new ArgumentException("The rule-description needs a 'sql-filter' or a 'correlation-filter'.");
    }

    private static RuleAction? ReadAction(AmqpMap description)
    {
        if (description.TryGetValue("sql-rule-action", out var action) && action is AmqpMap actionMap
            && actionMap.TryGetValue("expression", out var e) && e is string expression && !string.IsNullOrWhiteSpace(expression))
            return new SqlRuleAction(expression, Parameters(actionMap));
        return null;
    }

    private static Dictionary<string, object?>? Parameters(AmqpMap map) =>
        map.TryGetValue("parameters", out var p) && p is AmqpMap parameters ? ServiceBusMessageCodec.ToProperties(parameters) : null;

    private static string? Text(AmqpMap map, string key) => map.TryGetValue(key, out var value) ? value as string : null;
}
