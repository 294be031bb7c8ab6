using System.Text.Json;
using Ferry.Broker;
using Microsoft.AspNetCore.Http;

namespace Ferry.Server.Http;

internal static partial class FerryAdminApi
{
    // Read-only members of a queue description: accepted and ignored on PUT, so GET → edit → PUT round-trips.
    private static readonly string[] DescriptionOnly =
        ["type", "status", "origin", "durationsInSeconds", "counts", "sizeInBytes", "receivers", "senders", "topic", "rules", "createdAt", "updatedAt", "accessedAt"];

    private static IResult ListEntities(HttpContext context)
    {
        var broker = Broker(context);
        var entities = new List<object>();
        foreach (var queue in broker.Queues.OrderBy(q => q.Name, StringComparer.Ordinal))
            entities.Add(QueueDescription.Of(queue));
        foreach (var topic in broker.Topics.OrderBy(t => t.Name, StringComparer.Ordinal))
        {
            entities.Add(TopicDescription.Of(topic));
            foreach (var subscription in topic.Subscriptions.OrderBy(s => s.Name, StringComparer.Ordinal))
                entities.Add(QueueDescription.OfSubscription(topic, subscription));
        }
        return AdminJson.Ok(new { entities });
    }

    private static IResult AllStatus(HttpContext context)
    {
        var queues = new SortedDictionary<string, QueueStatus>(StringComparer.Ordinal);
        foreach (var queue in Broker(context).Queues)
            queues[queue.Name] = QueueStatus.Of(queue);
        return AdminJson.Ok(new { queues });
    }

    private static IResult Status(HttpContext context, string name) =>
        TryEntity(context, name, out var queue, out var notFound) ? AdminJson.Ok(QueueStatus.Of(queue)) : notFound;

    private static IResult GetQueue(HttpContext context, string name) =>
        TryQueue(context, name, out var queue, out var notFound) ? AdminJson.Ok(QueueDescription.Of(queue)) : notFound;

    private static async Task<IResult> CreateQueue(HttpContext context)
    {
        using var document = await AdminJson.ReadBodyAsync(context.Request, "{\"name\": \"…\", \"properties\": {…}}").ConfigureAwait(false);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
            throw new AdminInputException("body", "The request must be a JSON object: {\"name\": \"…\", \"properties\": {…}}.");
        string? name = null;
        var settings = new QueueSettings();
        foreach (var member in root.EnumerateObject())
        {
            if (member.Name.Equals("name", StringComparison.OrdinalIgnoreCase))
                name = member.Value.ValueKind == JsonValueKind.String ? member.Value.GetString() : throw new AdminInputException("name", "'name' must be a string.");
            else if (member.Name.Equals("properties", StringComparison.OrdinalIgnoreCase))
                settings = QueueSettingsReader.Apply(member.Value, settings);
            else
                throw new AdminInputException(member.Name, $"Unknown field '{member.Name}'.", "name, properties");
        }
        if (name is null)
            throw new AdminInputException("name", "The queue needs a 'name'.", NameRule);
        if (EntityNames.Validate(name) is { } problem)
            throw new AdminInputException("name", $"The queue name '{name}' is invalid: {problem}", NameRule);
        var queue = await Broker(context).CreateQueueAsync(name, settings, EntityOrigin.Api, context.RequestAborted).ConfigureAwait(false);
        context.Response.Headers.Location = $"/api/queues/{Uri.EscapeDataString(queue.Name)}";
        return AdminJson.Ok(QueueDescription.Of(queue), StatusCodes.Status201Created);
    }

    private const string NameRule = "1 to 260 letters, digits, '.', '-', '_' and '/', starting and ending with a letter or digit";

    private static async Task<IResult> UpdateQueue(HttpContext context, string name)
    {
        if (!TryQueue(context, name, out var queue, out var notFound))
            return notFound;
        using var document = await AdminJson.ReadBodyAsync(context.Request, "{\"properties\": {…}}").ConfigureAwait(false);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
            throw new AdminInputException("body", "The request must be a JSON object: {\"properties\": {…}}.");
        var settings = queue.Settings;
        foreach (var member in root.EnumerateObject())
        {
            if (member.Name.Equals("properties", StringComparison.OrdinalIgnoreCase))
            {
                settings = QueueSettingsReader.Apply(member.Value, settings);
            }
            else if (member.Name.Equals("name", StringComparison.OrdinalIgnoreCase))
            {
                if (member.Value.ValueKind != JsonValueKind.String || !string.Equals(member.Value.GetString(), queue.Name, StringComparison.OrdinalIgnoreCase))
                    throw new AdminInputException("name", $"'name' must be the queue's name '{queue.Name}' (queues cannot be renamed).", queue.Name);
            }
            else if (!DescriptionOnly.Contains(member.Name, StringComparer.OrdinalIgnoreCase))
            {
                throw new AdminInputException(member.Name, $"Unknown field '{member.Name}'.", "properties (and the read-only members of a queue description)");
            }
        }
        if (settings.RequiresSession != queue.Settings.RequiresSession)
        {
            throw new AdminInputException("RequiresSession", $"RequiresSession cannot be changed on the existing queue '{queue.Name}'.",
                QueueSettingsReader.Allowed("RequiresSession"));
        }
        var updated = await Broker(context).UpdateQueueAsync(queue.Name, settings, EntityOrigin.Api, context.RequestAborted).ConfigureAwait(false);
        return AdminJson.Ok(QueueDescription.Of(updated));
    }

    private static async Task<IResult> DeleteQueue(HttpContext context, string name)
    {
        if (!TryQueue(context, name, out var queue, out var notFound))
            return notFound;
        await Broker(context).DeleteQueueAsync(queue.Name, context.RequestAborted).ConfigureAwait(false);
        return Results.NoContent();
    }
}
