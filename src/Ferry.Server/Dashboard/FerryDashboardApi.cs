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
/// <c>…/deadletter/messages</c> (GET, DELETE), <c>…/deadletter/replay</c> (POST), <c>…/rules</c> (GET, a subscription's rules). The name is one encoded segment.</remarks>
internal static class FerryDashboardApi
{
    private const int DefaultPageSize = 50;
    private const int MaxPageSize = 1000;
    private const int DefaultBodyLimit = 64 * 1024;
    private const int MaxBodyLimit = 16 * 1024 * 1024;
    private const int MaxReplaySelection = 10_000;
    private const string SubscriptionsSegment = "/Subscriptions/";

    public static IEndpointRouteBuilder MapFerryDashboardApi(this IEndpointRouteBuilder endpoints)
    {
        var services = endpoints.ServiceProvider;
        var authorization = new AdminAuthorization(services.GetRequiredService<FerryServerOptions>(), services.GetRequiredService<TimeProvider>());
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("Ferry.Server.Dashboard");
        var api = endpoints.MapGroup("/api/dashboard");
        api.AddEndpointFilter(async (context, next) =>
        {
            if (authorization.Check(context.HttpContext) is { } reason)
            {
                context.HttpContext.Response.Headers.WWWAuthenticate = "Bearer, SharedAccessSignature";
                return AdminProblem.Unauthorized(reason);
            }
            try
            {
                return await next(context).ConfigureAwait(false);
            }
            catch (AdminInputException ex)
            {
                return AdminProblem.BadInput(ex);
            }
            catch (BrokerException ex)
            {
                return AdminProblem.FromBroker(ex, Name(context.HttpContext));
            }
            catch (OperationCanceledException) when (context.HttpContext.RequestAborted.IsCancellationRequested)
            {
                throw;
            }
#pragma warning disable CA1031 // Any other failure is a bug: logged, answered as a problem without a stack trace.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                logger.LogError(ex, "The dashboard request {Method} {Path} failed.", context.HttpContext.Request.Method, context.HttpContext.Request.Path);
                return new AdminProblem(StatusCodes.Status500InternalServerError, "Internal error",
                    "The request failed inside the server; the server log has the details.").ToResult();
            }
        });
        api.MapGet("/entities/{name}/messages", (HttpContext context, string name) => Browse(context, name, SubQueue.Main));
        api.MapGet("/entities/{name}/deadletter/messages", (HttpContext context, string name) => Browse(context, name, SubQueue.DeadLetter));
        api.MapDelete("/entities/{name}/messages", (HttpContext context, string name) => Purge(context, name, SubQueue.Main));
        api.MapDelete("/entities/{name}/deadletter/messages", (HttpContext context, string name) => Purge(context, name, SubQueue.DeadLetter));
        api.MapPost("/entities/{name}/deadletter/replay", Replay);
        api.MapPost("/entities/{name}/messages", Send);
        api.MapGet("/entities/{name}/rules", Rules);
        api.MapGet("/stats", Stats);
        return endpoints;
    }

    private static string? Name(HttpContext context) =>
        context.Request.RouteValues.TryGetValue("name", out var name) && name is not null ? Uri.UnescapeDataString(name.ToString()!) : null;

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

    private static async Task<IResult> Browse(HttpContext context, string name, SubQueue subQueue)
    {
        var queue = Receivable(context, name);
        var from = QueryNumber(context.Request, "from", 0, 0, long.MaxValue);
        var count = (int)QueryNumber(context.Request, "count", DefaultPageSize, 1, MaxPageSize);
        var bodyLimit = (int)QueryNumber(context.Request, "bodyLimit", DefaultBodyLimit, 1, MaxBodyLimit);
        var page = queue.Peek(subQueue, from, count);
        var messages = new List<MessageView>(page.Count);
        foreach (var message in page)
        {
            var body = await queue.LoadBodyAsync(message, context.RequestAborted).ConfigureAwait(false);
            if (body is null)
                continue; // settled while we looked
            MessageView view;
            try
            {
                view = MessageRenderer.Render(message, body.Value.Span, bodyLimit);
            }
            catch (AmqpDecodeException ex)
            {
                view = MessageView.Of(message, [], [], [], new JsonObject { ["type"] = "invalid", ["detail"] = ex.Message });
            }
            messages.Add(view);
        }
        long? next = page.Count == count ? page[^1].SequenceNumber + 1 : null;
        return AdminJson.Ok(new { queue = queue.Name, subQueue = SubQueueName(subQueue), from, count, messages, next });
    }

    private static async Task<IResult> Purge(HttpContext context, string name, SubQueue subQueue)
    {
        var queue = Receivable(context, name);
        var purged = await queue.PurgeAsync(subQueue, CancellationToken.None).ConfigureAwait(false);
        return AdminJson.Ok(new { queue = queue.Name, subQueue = SubQueueName(subQueue), purged });
    }

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
                selected = SequenceNumbers(member.Value);
            else
                throw new AdminInputException(member.Name, $"Unknown or invalid field '{member.Name}'.", "sequenceNumbers, all (true or false)");
        }
        if (all == (selected is not null))
            throw new AdminInputException(all ? "all" : "sequenceNumbers", "Give either 'sequenceNumbers' or \"all\": true, not both and not neither.", Shape);
        return AdminJson.Ok(await DeadLetterReplay.ReplayAsync(queue, selected, context.RequestAborted).ConfigureAwait(false));
    }

    private static async Task<IResult> Send(HttpContext context, string name)
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

    private static string SubQueueName(SubQueue subQueue) => subQueue == SubQueue.DeadLetter ? "deadletter" : "main";

    private static List<long> SequenceNumbers(JsonElement value)
    {
        var allowed = $"an array of 1 to {MaxReplaySelection} sequence numbers (positive whole numbers)";
        if (value.ValueKind != JsonValueKind.Array || value.GetArrayLength() is 0 or > MaxReplaySelection)
            throw new AdminInputException("sequenceNumbers", "'sequenceNumbers' must be a non-empty array.", allowed);
        var numbers = new List<long>(value.GetArrayLength());
        foreach (var item in value.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt64(out var number) || number < 1)
                throw new AdminInputException("sequenceNumbers", $"{item.GetRawText()} is not a sequence number.", allowed);
            numbers.Add(number);
        }
        return numbers;
    }

    private static long QueryNumber(HttpRequest request, string name, long defaultValue, long min, long max)
    {
        var raw = request.Query[name];
        if (raw.Count == 0)
            return defaultValue;
        if (raw.Count == 1 && long.TryParse(raw[0], NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max)
            return value;
        throw new AdminInputException(name, $"The query parameter '{name}' is '{raw}'.", $"a whole number from {min} to {max}");
    }
}
