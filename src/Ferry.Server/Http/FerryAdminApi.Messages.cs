using System.Text.Json;
using System.Text.Json.Nodes;
using Ferry.Amqp;
using Ferry.Broker;
using Ferry.Storage;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Ferry.Server.Http;

internal static partial class FerryAdminApi
{
    private static Task<IResult> BrowseMain(HttpContext context, string name) => Browse(context, name, SubQueue.Main);

    private static Task<IResult> BrowseDeadLetter(HttpContext context, string name) => Browse(context, name, SubQueue.DeadLetter);

    private static Task<IResult> PurgeMain(HttpContext context, string name) => Purge(context, name, SubQueue.Main);

    private static Task<IResult> PurgeDeadLetter(HttpContext context, string name) => Purge(context, name, SubQueue.DeadLetter);

    private static async Task<IResult> Browse(HttpContext context, string name, SubQueue subQueue) =>
        TryEntity(context, name, out var queue, out var notFound) ? await BrowseAsync(context, queue, subQueue).ConfigureAwait(false) : notFound;

    /// <summary>A page of a queue's or subscription's messages, as <c>from</c>, <c>count</c> and <c>bodyLimit</c> ask (also the dashboard's).</summary>
    internal static async Task<IResult> BrowseAsync(HttpContext context, QueueEntity queue, SubQueue subQueue)
    {
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
            messages.Add(Render(message, body.Value, bodyLimit));
        }
        long? next = page.Count == count ? page[^1].SequenceNumber + 1 : null;
        return AdminJson.Ok(new
        {
            queue = queue.Name,
            subQueue = subQueue == SubQueue.DeadLetter ? "deadletter" : "main",
            from,
            count,
            messages,
            next,
        });
    }

    private static MessageView Render(BrokerMessage message, ReadOnlyMemory<byte> body, int bodyLimit)
    {
        try
        {
            return MessageRenderer.Render(message, body.Span, bodyLimit);
        }
        catch (AmqpDecodeException ex)
        {
            return MessageView.Of(message, [], [], [], new JsonObject { ["type"] = "invalid", ["detail"] = ex.Message });
        }
    }

    private static async Task<IResult> Purge(HttpContext context, string name, SubQueue subQueue) =>
        TryEntity(context, name, out var queue, out var notFound) ? await PurgeAsync(queue, subQueue).ConfigureAwait(false) : notFound;

    /// <summary>Removes every message of a queue's or subscription's sub-queue, durably (also the dashboard's).</summary>
    internal static async Task<IResult> PurgeAsync(QueueEntity queue, SubQueue subQueue)
    {
        // Not tied to the request: a purge that started finishes, so the count it answers is what it removed.
        var purged = await queue.PurgeAsync(subQueue, CancellationToken.None).ConfigureAwait(false);
        return AdminJson.Ok(new { queue = queue.Name, subQueue = subQueue == SubQueue.DeadLetter ? "deadletter" : "main", purged });
    }

    private static async Task<IResult> SendTestMessage(HttpContext context, string name)
    {
        if (!TryEntity(context, name, out var queue, out var notFound))
            return notFound;
        using var document = await AdminJson.ReadBodyAsync(context.Request, "{\"body\": …, \"contentType\": …, …}").ConfigureAwait(false);
        var message = TestMessage.Parse(document.RootElement);
        if (queue.Settings.RequiresSession && string.IsNullOrEmpty(message.SessionId))
            throw new AdminInputException("sessionId", $"The queue '{queue.Name}' requires sessions: the message needs a 'sessionId'.", "a session id of 1 to 128 characters");
        var now = context.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow();
        var incoming = message.ToIncoming(now);
        var sequenceNumber = (await queue.SendAsync([incoming], CancellationToken.None).ConfigureAwait(false))[0];
        var duplicate = sequenceNumber == 0;
        return AdminJson.Ok(new { queue = queue.Name, sequenceNumber, messageId = incoming.MessageId, duplicate },
            duplicate ? StatusCodes.Status200OK : StatusCodes.Status201Created);
    }

    private static async Task<IResult> Replay(HttpContext context, string name)
    {
        if (!TryEntity(context, name, out var queue, out var notFound))
            return notFound;
        const string Shape = "{\"sequenceNumbers\": [1, 2]} or {\"all\": true}";
        using var document = await AdminJson.ReadBodyAsync(context.Request, Shape).ConfigureAwait(false);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
            throw new AdminInputException("body", $"The request must be a JSON object: {Shape}.", Shape);
        List<long>? selected = null;
        var all = false;
        foreach (var member in root.EnumerateObject())
        {
            if (member.Name.Equals("all", StringComparison.OrdinalIgnoreCase))
            {
                all = member.Value.ValueKind switch
                {
                    JsonValueKind.True => true,
                    JsonValueKind.False => false,
                    _ => throw new AdminInputException("all", "'all' must be true or false.", "true or false"),
                };
            }
            else if (member.Name.Equals("sequenceNumbers", StringComparison.OrdinalIgnoreCase))
            {
                selected = ReadSequenceNumbers(member.Value);
            }
            else
            {
                throw new AdminInputException(member.Name, $"Unknown field '{member.Name}'.", "sequenceNumbers, all");
            }
        }
        if (all == (selected is not null))
            throw new AdminInputException(all ? "all" : "sequenceNumbers", "Give either 'sequenceNumbers' or \"all\": true, not both and not neither.", Shape);
        var result = await DeadLetterReplay.ReplayAsync(queue, selected, context.RequestAborted).ConfigureAwait(false);
        return AdminJson.Ok(result);
    }

    /// <summary>A replay selection: 1 to 10,000 positive sequence numbers (also used by the dashboard's endpoints).</summary>
    internal static List<long> ReadSequenceNumbers(JsonElement value)
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
}
