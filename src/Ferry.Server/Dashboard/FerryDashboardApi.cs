using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Ferry.Amqp;
using Ferry.Broker;
using Ferry.Broker.Filters;
using Ferry.Server.Amqp;
using Ferry.Server.Http;
using Ferry.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Ferry.Server.Dashboard;

/// <summary>
/// What the dashboard needs beyond <c>/api/queues/…</c>: the same browse, purge, replay and send operations for
/// every entity, named as <c>GET /api/entities</c> names it — a queue, a subscription (<c>topic/Subscriptions/name</c>,
/// browse, purge and replay) or a topic (send). Same authorization, errors and shapes as the admin API.
/// </summary>
/// <remarks>Routes: <c>/api/dashboard/stats</c> (GET: counters per queue and subscription), <c>/api/dashboard/entities/{name}/messages</c> (GET, POST, DELETE),
/// <c>…/deadletter/messages</c> (GET, DELETE), <c>…/deadletter/replay</c> (POST), <c>…/rules</c> (GET, a subscription's rules). The name is one encoded segment.
/// A subscription's rules are changed at <c>/api/dashboard/entities/{topic}/Subscriptions/{sub}/rules</c> (POST) and <c>…/rules/{rule}</c> (PUT, DELETE).</remarks>
internal static class FerryDashboardApi
{
    private const string SubscriptionsSegment = "/Subscriptions/";

    public static IEndpointRouteBuilder MapFerryDashboardApi(this IEndpointRouteBuilder endpoints)
    {
        var services = endpoints.ServiceProvider;
        var authorization = new AdminAuthorization(services.GetRequiredService<FerryServerOptions>(), services.GetRequiredService<TimeProvider>());
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("Ferry.Server.Dashboard");
        var api = endpoints.MapGroup("/api/dashboard");
        api.AddEndpointFilter(FerryAdminApi.Authorize(authorization)).AddEndpointFilter(FerryAdminApi.Errors(logger, "dashboard"));
        api.MapGet("/entities/{name}/messages", (HttpContext context, string name) => Browse(context, name, SubQueue.Main));
        api.MapGet("/entities/{name}/deadletter/messages", (HttpContext context, string name) => Browse(context, name, SubQueue.DeadLetter));
        api.MapDelete("/entities/{name}/messages", (HttpContext context, string name) => Purge(context, name, SubQueue.Main));
        api.MapDelete("/entities/{name}/deadletter/messages", (HttpContext context, string name) => Purge(context, name, SubQueue.DeadLetter));
        api.MapPost("/entities/{name}/deadletter/replay", Replay);
        api.MapPost("/entities/{name}/messages", SendToEntity);
        api.MapGet("/entities/{name}/rules", Rules);
        api.MapPost("/entities/{topic}/Subscriptions/{sub}/rules", AddRule);
        api.MapPut("/entities/{topic}/Subscriptions/{sub}/rules/{rule}", EditRule);
        api.MapDelete("/entities/{topic}/Subscriptions/{sub}/rules/{rule}", RemoveRule);
        api.MapPut("/entities/{topic}/Subscriptions/{sub}", UpdateSubscription);
        api.MapGet("/stats", Stats);
        return endpoints;
    }

    private static FerryBroker Broker(HttpContext context) => context.RequestServices.GetRequiredService<FerryBroker>();

    /// <summary>A queue, or a subscription named <c>topic/Subscriptions/name</c>.</summary>
    /// <exception cref="BrokerException">EntityNotFound.</exception>
    private static QueueEntity Receivable(HttpContext context, string name)
    {
        var decoded = Uri.UnescapeDataString(name);
        var broker = Broker(context);
        if (broker.TryGetQueue(decoded, out var queue))
            return queue;
        var at = decoded.IndexOf(SubscriptionsSegment, StringComparison.OrdinalIgnoreCase);
        if (at > 0)
            return broker.GetSubscription(decoded[..at], decoded[(at + SubscriptionsSegment.Length)..]);
        throw new BrokerException(BrokerErrorCode.EntityNotFound, $"The queue or subscription '{decoded}' does not exist.");
    }

    private static Task<IResult> Browse(HttpContext context, string name, SubQueue subQueue) =>
        FerryAdminApi.BrowseAsync(context, Receivable(context, name), subQueue);

    private static Task<IResult> Purge(HttpContext context, string name, SubQueue subQueue) =>
        FerryAdminApi.PurgeAsync(Receivable(context, name), subQueue);

    private static async Task<IResult> Replay(HttpContext context, string name)
    {
        var queue = Receivable(context, name);
        const string Shape = "{\"sequenceNumbers\": [1, 2]} or {\"all\": true}";
        using var document = await AdminJson.ReadBodyAsync(context.Request, Shape).ConfigureAwait(false);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
            throw new AdminInputException("body", $"The request must be a JSON object: {Shape}.", Shape);
        List<long>? selected = null;
        var all = false;
        foreach (var member in root.EnumerateObject())
        {
            if (member.Name.Equals("all", StringComparison.OrdinalIgnoreCase) && member.Value.ValueKind is JsonValueKind.True or JsonValueKind.False)
                all = member.Value.ValueKind == JsonValueKind.True;
            else if (member.Name.Equals("sequenceNumbers", StringComparison.OrdinalIgnoreCase))
                selected = FerryAdminApi.ReadSequenceNumbers(member.Value);
            else
                throw new AdminInputException(member.Name, $"Unknown or invalid field '{member.Name}'.", "sequenceNumbers, all (true or false)");
        }
        if (all == (selected is not null))
            throw new AdminInputException(all ? "all" : "sequenceNumbers", "Give either 'sequenceNumbers' or \"all\": true, not both and not neither.", Shape);
        return AdminJson.Ok(await DeadLetterReplay.ReplayAsync(queue, selected, context.RequestAborted).ConfigureAwait(false));
    }

    /// <summary>A test message to a queue or topic (also <c>POST /api/topics/{name}/messages</c> of the admin API).</summary>
    internal static async Task<IResult> SendToEntity(HttpContext context, string name)
    {
        var decoded = Uri.UnescapeDataString(name);
        if (!Broker(context).TryGetSendTarget(decoded, out var target))
            throw new BrokerException(BrokerErrorCode.EntityNotFound, $"The queue or topic '{decoded}' does not exist.");
        using var document = await AdminJson.ReadBodyAsync(context.Request, "{\"body\": …, \"contentType\": …, …}").ConfigureAwait(false);
        var message = TestMessage.Parse(document.RootElement);
        if (target is QueueEntity { Settings.RequiresSession: true } && string.IsNullOrEmpty(message.SessionId))
            throw new AdminInputException("sessionId", $"The queue '{decoded}' requires sessions: the message needs a 'sessionId'.", "a session id of 1 to 128 characters");
        var now = context.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow();
        var incoming = message.ToIncoming(now);
        if (target.EvaluatesRules)
        {
            // A topic's rules read the message through a filter view, which the wire codec builds from the encoding.
            incoming = ServiceBusMessageCodec.ToIncoming(incoming.Body.ToArray(), now, withFilterView: true);
        }
        var sequenceNumber = (await target.SendAsync([incoming], CancellationToken.None).ConfigureAwait(false))[0];
        var duplicate = sequenceNumber == 0;
        return AdminJson.Ok(new { entity = decoded, sequenceNumber, messageId = incoming.MessageId, duplicate },
            duplicate ? StatusCodes.Status200OK : StatusCodes.Status201Created);
    }

    /// <summary>
    /// Counters for the dashboard's rates, per queue, topic and subscription: <c>sent</c> (messages stored; for a topic,
    /// its last sequence number, which counts every accepted message; null for a subscription, whose fan-out is not
    /// counted), <c>received</c> (deliveries), <c>completed</c>, <c>deadLettered</c>. Rates are their changes over time.
    /// </summary>
    private static IResult Stats(HttpContext context)
    {
        var broker = Broker(context);
        var entities = new Dictionary<string, EntityStats>(StringComparer.Ordinal);
        foreach (var queue in broker.Queues)
            entities[queue.Name] = new EntityStats(queue.MessagesSent, queue.MessagesReceived, queue.MessagesCompleted, queue.MessagesDeadLettered);
        foreach (var topic in broker.Topics)
        {
            entities[topic.Name] = new EntityStats(topic.LastSequenceNumber, null, null, null);
            foreach (var subscription in topic.Subscriptions)
            {
                entities[subscription.Name] = new EntityStats(null, subscription.MessagesReceived, subscription.MessagesCompleted,
                    subscription.MessagesDeadLettered);
            }
        }
        return AdminJson.Ok(new { time = context.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow(), entities });
    }

    private sealed record EntityStats(long? Sent, long? Received, long? Completed, long? DeadLettered);

    /// <summary>A subscription's rules: name, filter (SQL, correlation, true or false) and SQL action.</summary>
    private static IResult Rules(HttpContext context, string name)
    {
        var subscription = Receivable(context, name);
        var rules = subscription.Rules.Select(rule => new
        {
            name = rule.Name,
            filter = rule.Filter switch
            {
                SqlFilter sql => new Dictionary<string, object?> { ["type"] = "sql", ["expression"] = sql.Expression },
                CorrelationFilter c => new Dictionary<string, object?>
                {
                    ["type"] = "correlation", ["correlationId"] = c.CorrelationId, ["messageId"] = c.MessageId, ["to"] = c.To,
                    ["replyTo"] = c.ReplyTo, ["subject"] = c.Subject, ["sessionId"] = c.SessionId, ["replyToSessionId"] = c.ReplyToSessionId,
                    ["contentType"] = c.ContentType, ["properties"] = c.Properties,
                },
                TrueFilter => new Dictionary<string, object?> { ["type"] = "true", ["expression"] = "1=1" },
                FalseFilter => new Dictionary<string, object?> { ["type"] = "false", ["expression"] = "1=0" },
                var other => new Dictionary<string, object?> { ["type"] = "other", ["expression"] = other.ToString() },
            },
            action = rule.Action is SqlRuleAction action ? action.Expression : null,
            createdAt = rule.CreatedAt,
        }).ToList();
        return AdminJson.Ok(new { entity = subscription.Name, rules });
    }

    private const string RuleShape = "{\"name\": …, \"filter\": {\"sql\": …} or {\"correlation\": {…}}, \"action\": {\"sql\": …}}";

    /// <summary>Adds a rule: 201 with the rule's name; 400 for a bad SQL (with where), 409 when the name is taken.</summary>
    private static async Task<IResult> AddRule(HttpContext context, string topic, string sub)
    {
        var subscription = Broker(context).GetSubscription(Uri.UnescapeDataString(topic), Uri.UnescapeDataString(sub));
        var (rule, problem) = await ReadRuleAsync(context, null).ConfigureAwait(false);
        if (rule is null)
            return problem!;
        await Broker(context).AddRuleAsync(subscription, rule, CancellationToken.None).ConfigureAwait(false);
        return AdminJson.Ok(new { entity = subscription.Name, rule = rule.Name }, StatusCodes.Status201Created);
    }

    /// <summary>
    /// Replaces a rule (remove, then add): the new version is validated first, so a bad one leaves the old rule in place.
    /// The body's name, when given, renames the rule.
    /// </summary>
    private static async Task<IResult> EditRule(HttpContext context, string topic, string sub, string rule)
    {
        var broker = Broker(context);
        var subscription = broker.GetSubscription(Uri.UnescapeDataString(topic), Uri.UnescapeDataString(sub));
        var old = FindRule(subscription, rule);
        var (replacement, problem) = await ReadRuleAsync(context, old.Name).ConfigureAwait(false);
        if (replacement is null)
            return problem!;
        await broker.ReplaceRuleAsync(subscription, old.Name, replacement, CancellationToken.None).ConfigureAwait(false);
        return AdminJson.Ok(new { entity = subscription.Name, rule = replacement.Name });
    }

    /// <summary>Changes a subscription's settings: <c>{"properties": {…}}</c> with the Config.json names, as for queues.</summary>
    private static async Task<IResult> UpdateSubscription(HttpContext context, string topic, string sub)
    {
        var broker = Broker(context);
        var subscription = broker.GetSubscription(Uri.UnescapeDataString(topic), Uri.UnescapeDataString(sub));
        using var document = await AdminJson.ReadBodyAsync(context.Request, "{\"properties\": {…}}").ConfigureAwait(false);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("properties", out var properties))
            throw new AdminInputException("properties", "The request must be a JSON object: {\"properties\": {…}}.");
        var settings = QueueSettingsReader.Apply(properties, subscription.Settings);
        if (settings.RequiresSession != subscription.Settings.RequiresSession)
        {
            throw new AdminInputException("RequiresSession", $"RequiresSession cannot be changed on the existing subscription '{subscription.Name}'.",
                QueueSettingsReader.Allowed("RequiresSession"));
        }
        var topicEntity = subscription.Topic!;
        var updated = await broker.UpdateSubscriptionAsync(topicEntity.Name, subscription.Name[(topicEntity.Name.Length + "/Subscriptions/".Length)..],
            settings, EntityOrigin.Api, context.RequestAborted).ConfigureAwait(false);
        return AdminJson.Ok(QueueDescription.OfSubscription(topicEntity, updated));
    }

    private static async Task<IResult> RemoveRule(HttpContext context, string topic, string sub, string rule)
    {
        var broker = Broker(context);
        var subscription = broker.GetSubscription(Uri.UnescapeDataString(topic), Uri.UnescapeDataString(sub));
        var old = FindRule(subscription, rule);
        await broker.RemoveRuleAsync(subscription, old.Name, CancellationToken.None).ConfigureAwait(false);
        return Results.NoContent();
    }

    /// <exception cref="BrokerException">EntityNotFound (404) when the subscription has no rule of that name.</exception>
    private static Rule FindRule(QueueEntity subscription, string name) =>
        subscription.Rules.FirstOrDefault(r => string.Equals(r.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new BrokerException(BrokerErrorCode.EntityNotFound, $"The rule '{name}' could not be found on '{subscription.Name}'.");

    /// <summary>
    /// Reads and compiles a rule from <see cref="RuleShape"/>. Returns the rule, or a 400 problem for a SQL the parser
    /// rejects: <c>detail</c>, <c>position</c> (zero-based), <c>line</c>, <c>column</c> and <c>field</c> (filter or action).
    /// </summary>
    /// <exception cref="AdminInputException">The body is not of that shape, or the name or a property is invalid.</exception>
    private static async Task<(Rule? Rule, IResult? Problem)> ReadRuleAsync(HttpContext context, string? currentName)
    {
        using var document = await AdminJson.ReadBodyAsync(context.Request, RuleShape).ConfigureAwait(false);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
            throw new AdminInputException("body", $"The request must be a JSON object: {RuleShape}.", RuleShape);
        string? name = currentName;
        JsonElement? filter = null;
        JsonElement? action = null;
        foreach (var member in root.EnumerateObject())
        {
            if (member.Name.Equals("name", StringComparison.OrdinalIgnoreCase) && member.Value.ValueKind == JsonValueKind.String)
                name = member.Value.GetString();
            else if (member.Name.Equals("filter", StringComparison.OrdinalIgnoreCase) && member.Value.ValueKind == JsonValueKind.Object)
                filter = member.Value;
            else if (member.Name.Equals("action", StringComparison.OrdinalIgnoreCase) && member.Value.ValueKind is JsonValueKind.Object or JsonValueKind.Null)
                action = member.Value.ValueKind == JsonValueKind.Null ? null : member.Value;
            else
                throw new AdminInputException(member.Name, $"Unknown or invalid field '{member.Name}'.", RuleShape);
        }
        if (Rule.ValidateName(name) is { } nameProblem)
            throw new AdminInputException("name", $"The rule name is invalid: {nameProblem}", $"1 to {Rule.MaxNameLength} characters, none of / \\ @ ? # *");
        if (filter is null)
            throw new AdminInputException("filter", "The rule needs a 'filter': {\"sql\": …} or {\"correlation\": {…}}.", RuleShape);
        var field = "filter";
        try
        {
            var ruleFilter = ReadFilter(filter.Value);
            field = "action";
            RuleAction? ruleAction = null;
            if (action is { } a)
            {
                var sql = SqlText(a, "action");
                ruleAction = string.IsNullOrWhiteSpace(sql) ? null : new SqlRuleAction(sql);
            }
            var now = context.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow();
            return (Rule.Create(name!, ruleFilter, ruleAction, now), null);
        }
        catch (FilterSyntaxException ex)
        {
            return (null, Results.Json(new Dictionary<string, object?>
            {
                ["type"] = "https://httpstatuses.io/400", ["title"] = "Invalid SQL", ["status"] = StatusCodes.Status400BadRequest,
                ["detail"] = ex.Message, ["field"] = field, ["property"] = field, ["position"] = ex.Position, ["line"] = ex.Line,
                ["column"] = ex.Column, ["problem"] = ex.Problem, ["found"] = ex.Found,
            }, AdminJson.Options, "application/problem+json", StatusCodes.Status400BadRequest));
        }
        catch (ArgumentException ex)
        {
            throw new AdminInputException(field, ex.Message, RuleShape);
        }
    }

    /// <exception cref="FilterSyntaxException">The SQL filter is not valid.</exception>
    private static RuleFilter ReadFilter(JsonElement filter)
    {
        foreach (var member in filter.EnumerateObject())
        {
            if (member.Name.Equals("sql", StringComparison.OrdinalIgnoreCase))
                return RuleFilter.FromSqlExpression(SqlText(filter, "filter"));
            if (member.Name.Equals("correlation", StringComparison.OrdinalIgnoreCase) && member.Value.ValueKind == JsonValueKind.Object)
                return ReadCorrelation(member.Value);
        }
        throw new AdminInputException("filter", "The filter must be {\"sql\": \"…\"} or {\"correlation\": {…}}.", RuleShape);
    }

    private static string SqlText(JsonElement holder, string field)
    {
        foreach (var member in holder.EnumerateObject())
        {
            if (member.Name.Equals("sql", StringComparison.OrdinalIgnoreCase) && member.Value.ValueKind == JsonValueKind.String)
                return member.Value.GetString()!;
        }
        throw new AdminInputException(field, $"The {field} must be {{\"sql\": \"…\"}}.", "a SQL expression as a string");
    }

    private static CorrelationFilter ReadCorrelation(JsonElement value)
    {
        const string Allowed = "correlationId, messageId, to, replyTo, subject, sessionId, replyToSessionId, contentType (strings), properties (an object)";
        var strings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        var properties = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var member in value.EnumerateObject())
        {
            if (member.Name.Equals("properties", StringComparison.OrdinalIgnoreCase) && member.Value.ValueKind == JsonValueKind.Object)
            {
                foreach (var property in member.Value.EnumerateObject())
                    properties[property.Name] = PropertyValue(property);
            }
            else if (member.Value.ValueKind is JsonValueKind.String or JsonValueKind.Null)
            {
                strings[member.Name.Equals("label", StringComparison.OrdinalIgnoreCase) ? "subject" : member.Name] = member.Value.GetString();
            }
            else
            {
                throw new AdminInputException($"correlation.{member.Name}", $"Unknown or invalid correlation field '{member.Name}'.", Allowed);
            }
        }
        string? Take(string key) => strings.Remove(key, out var v) && !string.IsNullOrEmpty(v) ? v : null;
        var filter = new CorrelationFilter
        {
            CorrelationId = Take("correlationId"), MessageId = Take("messageId"), To = Take("to"), ReplyTo = Take("replyTo"),
            Subject = Take("subject"), SessionId = Take("sessionId"), ReplyToSessionId = Take("replyToSessionId"),
            ContentType = Take("contentType"), Properties = properties,
        };
        if (strings.Count > 0)
        {
            var unknown = strings.Keys.First();
            throw new AdminInputException($"correlation.{unknown}", $"Unknown correlation field '{unknown}'.", Allowed);
        }
        return filter;
    }

    private static object? PropertyValue(JsonProperty property) => property.Value.ValueKind switch
    {
        JsonValueKind.String => property.Value.GetString(),
        JsonValueKind.Number when property.Value.TryGetInt64(out var whole) => whole,
        JsonValueKind.Number => property.Value.GetDouble(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Null => null,
        _ => throw new AdminInputException($"correlation.properties.{property.Name}",
            $"The property '{property.Name}' must be a string, number, true, false or null.", "a string, number, true, false or null"),
    };
}
