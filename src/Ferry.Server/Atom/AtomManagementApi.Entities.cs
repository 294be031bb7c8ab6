using Ferry.Broker;
using Microsoft.AspNetCore.Http;

namespace Ferry.Server.Atom;

internal sealed partial class AtomManagementApi
{
    private static readonly string[] EntityDescriptions = ["QueueDescription", "TopicDescription"];

    private Task ListQueuesAsync(HttpContext context, AtomPath path)
    {
        var queues = _broker.Queues.OrderBy(q => q.Name, StringComparer.OrdinalIgnoreCase).ToList();
        return FeedAsync(context, path, "Queues", queues, q => Entry(context.Request, q.Name, q.Name, q.CreatedAt, q.UpdatedAt, AtomDescriptions.Queue(q, _broker)));
    }

    private Task ListTopicsAsync(HttpContext context, AtomPath path)
    {
        var topics = _broker.Topics.OrderBy(t => t.Name, StringComparer.OrdinalIgnoreCase).ToList();
        return FeedAsync(context, path, "Topics", topics, t => Entry(context.Request, t.Name, t.Name, t.CreatedAt, t.UpdatedAt, AtomDescriptions.Topic(t)));
    }

    private Task GetEntityAsync(HttpContext context, AtomPath path)
    {
        if (_broker.TryGetQueue(path.Entity, out var queue))
            return QueueEntryAsync(context, StatusCodes.Status200OK, queue);
        if (_broker.TryGetTopic(path.Entity, out var topic))
            return TopicEntryAsync(context, StatusCodes.Status200OK, topic);
        throw EntityNotFound(path.Entity);
    }

    /// <summary>PUT /{name}: the body's QueueDescription or TopicDescription says which kind of entity it is.</summary>
    private async Task PutEntityAsync(HttpContext context, AtomPath path)
    {
        var update = IsUpdate(context.Request);
        var description = await AtomReader.ReadDescriptionAsync(context.Request, EntityDescriptions, context.RequestAborted).ConfigureAwait(false);
        var ct = context.RequestAborted;
        if (description.Name.LocalName == "QueueDescription")
        {
            QueueEntity queue;
            if (update)
            {
                if (!_broker.TryGetQueue(path.Entity, out var existing))
                    throw _broker.TryGetTopic(path.Entity, out _) ? KindMismatch(path.Entity, "topic", "QueueDescription") : EntityNotFound(path.Entity);
                queue = await _broker.UpdateQueueAsync(existing.Name, AtomReader.Queue(description, existing.Settings), EntityOrigin.Api, ct).ConfigureAwait(false);
            }
            else
            {
                queue = await _broker.CreateQueueAsync(path.Entity, AtomReader.Queue(description, new QueueSettings()), EntityOrigin.Api, ct).ConfigureAwait(false);
            }
            await QueueEntryAsync(context, PutStatus(update), queue).ConfigureAwait(false);
            return;
        }

        TopicEntity topic;
        if (update)
        {
            if (!_broker.TryGetTopic(path.Entity, out var existing))
                throw _broker.TryGetQueue(path.Entity, out _) ? KindMismatch(path.Entity, "queue", "TopicDescription") : EntityNotFound(path.Entity);
            topic = await _broker.UpdateTopicAsync(existing.Name, AtomReader.Topic(description, existing.Settings), EntityOrigin.Api, ct).ConfigureAwait(false);
        }
        else
        {
            topic = await _broker.CreateTopicAsync(path.Entity, AtomReader.Topic(description, new TopicSettings()), EntityOrigin.Api, ct).ConfigureAwait(false);
        }
        await TopicEntryAsync(context, PutStatus(update), topic).ConfigureAwait(false);
    }

    private async Task DeleteEntityAsync(HttpContext context, AtomPath path)
    {
        if (_broker.TryGetQueue(path.Entity, out _))
            await _broker.DeleteQueueAsync(path.Entity, context.RequestAborted).ConfigureAwait(false);
        else if (_broker.TryGetTopic(path.Entity, out _))
            await _broker.DeleteTopicAsync(path.Entity, context.RequestAborted).ConfigureAwait(false);
        else
            throw EntityNotFound(path.Entity);
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentLength = 0;
    }

    private Task QueueEntryAsync(HttpContext context, int status, QueueEntity queue) =>
        EntryAsync(context, status, queue.Name, queue.Name, queue.CreatedAt, queue.UpdatedAt, AtomDescriptions.Queue(queue, _broker));

    private Task TopicEntryAsync(HttpContext context, int status, TopicEntity topic) =>
        EntryAsync(context, status, topic.Name, topic.Name, topic.CreatedAt, topic.UpdatedAt, AtomDescriptions.Topic(topic));

    /// <summary>The text Service Bus uses, which the SDKs also recognize in AMQP errors.</summary>
    private AtomException EntityNotFound(string path) =>
        AtomException.NotFound($"The messaging entity '{_broker.EntityAddress(path)}' could not be found.");

    private AtomException KindMismatch(string name, string kind, string description) =>
        new(StatusCodes.Status409Conflict, $"The messaging entity '{_broker.EntityAddress(name)}' is a {kind}; it can't be updated with a {description}.");
}
