using System.Collections;
using Ferry.Amqp;
using Ferry.Broker;
using Ferry.Storage;

namespace Ferry.Server.Amqp;

/// <summary>
/// <c>&lt;entity&gt;/$management</c> (reference §6): peek, renew-lock, schedule and cancel, receive deferred by sequence
/// number, update-disposition. Errors carry statusCode and an errorCondition symbol the SDKs map to named errors.
/// </summary>
internal static class ManagementNode
{
    private const string Prefix = "com.microsoft:";

    /// <param name="txnId">Set when the request was sent within a transaction (its transfer carried transactional-state):
    /// update-disposition is then enlisted in it; other operations are refused (400).</param>
    public static async Task<byte[]> HandleAsync(AmqpConnection connection, string entityPath, ManagementRequest request, byte[]? txnId = null)
    {
        var broker = connection.Broker;
        var body = request.BodyMap;
        if (txnId is not null)
            return HandleInTransaction(connection, entityPath, request, body, txnId);
        if (!broker.TryResolve(entityPath, out var queue, out var subQueue))
        {
            if (broker.TryGetTopic(entityPath, out var topic))
                return await HandleTopicAsync(request, topic, body, connection.Time.GetUtcNow()).ConfigureAwait(false);
            return request.ErrorResponse(cbs: false, 404, ServiceBusErrors.NotFound,
                $"The messaging entity '{broker.EntityAddress(entityPath)}' could not be found.");
        }
        return await GuardedAsync(request, async () => request.Operation switch
            {
                Prefix + "peek-message" => Peek(request, queue, subQueue, body),
                Prefix + "renew-lock" => RenewLock(request, queue, body),
                Prefix + "schedule-message" when subQueue == SubQueue.Main && queue.Topic is null =>
                    await ScheduleAsync(request, queue, body, connection.Time.GetUtcNow()).ConfigureAwait(false),
                Prefix + "cancel-scheduled-message" => await CancelScheduledAsync(request, queue, body).ConfigureAwait(false),
                Prefix + "receive-by-sequence-number" => await ReceiveBySequenceNumberAsync(request, queue, subQueue, body).ConfigureAwait(false),
                Prefix + "update-disposition" => await UpdateDispositionAsync(request, queue, body).ConfigureAwait(false),
                Prefix + "renew-session-lock" => request.Response(cbs: false, 200, "OK",
                    new AmqpMap { ["expiration"] = queue.RenewSessionLock(SessionId(body)) }),
                Prefix + "get-session-state" => request.Response(cbs: false, 200, "OK",
                    new AmqpMap { ["session-state"] = queue.GetSessionState(SessionId(body)) }),
                Prefix + "set-session-state" => await SetSessionStateAsync(request, queue, body).ConfigureAwait(false),
                Prefix + "get-message-sessions" => GetMessageSessions(request, queue, body),
                Prefix + "add-rule" when queue.Topic is not null => await RuleOperations.AddAsync(request, broker, queue, body, connection.Time.GetUtcNow()).ConfigureAwait(false),
                Prefix + "remove-rule" when queue.Topic is not null => await RuleOperations.RemoveAsync(request, broker, queue, body).ConfigureAwait(false),
                Prefix + "enumerate-rules" when queue.Topic is not null => RuleOperations.Enumerate(request, queue, body),
                _ => request.ErrorResponse(cbs: false, 501, AmqpErrorCode.NotImplemented,
                    $"The management operation '{request.Operation}' is not supported by this version of Ferry."),
            }).ConfigureAwait(false);
    }

    private static byte[] Peek(ManagementRequest request, QueueEntity queue, SubQueue subQueue, AmqpMap body)
    {
        var from = Long(body, "from-sequence-number");
        var count = (int)Math.Clamp(Long(body, "message-count"), 0, 1000);
        var sessionId = body.TryGetValue("session-id", out var s) ? s as string : null;
        var peeked = queue.Peek(subQueue, from, count, sessionId);
        if (peeked.Count == 0)
            return request.Response(cbs: false, 204, "No messages.");
        var messages = new List<object?>(peeked.Count);
        foreach (var message in peeked)
        {
            var payload = message.IsBodyLoaded ? message.Body : queue.LoadBodyAsync(message).AsTask().GetAwaiter().GetResult();
            if (payload is not { } bytes)
                continue;
            messages.Add(new AmqpMap { ["message"] = ServiceBusMessageCodec.EncodeDelivered(message, bytes.Span) });
        }
        return request.Response(cbs: false, 200, "OK", new AmqpMap { ["messages"] = messages });
    }

    private static byte[] RenewLock(ManagementRequest request, QueueEntity queue, AmqpMap body)
    {
        var tokens = Guids(body, "lock-tokens");
        var expirations = new DateTimeOffset[tokens.Count];
        for (var i = 0; i < tokens.Count; i++)
            expirations[i] = queue.RenewLock(tokens[i]);
        return request.Response(cbs: false, 200, "OK", new AmqpMap { ["expirations"] = expirations });
    }

    /// <summary>A topic's management node serves scheduling only (the SDK's sender operations).</summary>
    private static async Task<byte[]> HandleTopicAsync(ManagementRequest request, TopicEntity topic, AmqpMap body, DateTimeOffset now) =>
        await GuardedAsync(request, async () => request.Operation switch
            {
                Prefix + "schedule-message" => await ScheduleAsync(request, topic, body, now).ConfigureAwait(false),
                Prefix + "cancel-scheduled-message" => await CancelScheduledAsync(request, topic, body).ConfigureAwait(false),
                _ => request.ErrorResponse(cbs: false, 400, AmqpErrorCode.NotAllowed,
                    $"The operation '{request.Operation}' is not available on the topic '{topic.Name}'; use a subscription."),
            }).ConfigureAwait(false);

    /// <summary>Runs an operation and turns the errors a client can cause into management error responses (reference §6.3).</summary>
    private static async Task<byte[]> GuardedAsync(ManagementRequest request, Func<Task<byte[]>> operation)
    {
        try
        {
            return await operation().ConfigureAwait(false);
        }
        catch (BrokerException ex)
        {
            return request.ErrorResponse(cbs: false, ServiceBusErrors.StatusCode(ex.Code), ServiceBusErrors.Condition(ex.Code), ex.Message);
        }
        catch (ArgumentException ex)
        {
            return request.ErrorResponse(cbs: false, 400, ServiceBusErrors.ArgumentError, ex.Message);
        }
        catch (AmqpDecodeException ex)
        {
            return request.ErrorResponse(cbs: false, 400, ServiceBusErrors.ArgumentError, $"A message in the request could not be decoded: {ex.Message}");
        }
    }

    private static async Task<byte[]> ScheduleAsync(ManagementRequest request, ISendTarget target, AmqpMap body, DateTimeOffset now)
    {
        if (!body.TryGetValue("messages", out var value) || value is not IList entries)
            throw new ArgumentException("schedule-message needs 'messages', a list of maps with a 'message' binary.");
        var messages = new List<IncomingMessage>(entries.Count);
        foreach (var entry in entries)
        {
            if (entry is not AmqpMap map || !map.TryGetValue("message", out var encoded) || encoded is not byte[] bytes)
                throw new ArgumentException("Each scheduled message must be a map with a 'message' binary.");
            // A schedule time in the past (or none) makes the message active at once, as Service Bus does.
            messages.Add(ServiceBusMessageCodec.ToIncoming(bytes, now, target.EvaluatesRules));
        }
        var sequenceNumbers = await target.SendAsync(messages).ConfigureAwait(false);
        return request.Response(cbs: false, 200, "OK", new AmqpMap { ["sequence-numbers"] = sequenceNumbers });
    }

    private static async Task<byte[]> CancelScheduledAsync(ManagementRequest request, ISendTarget target, AmqpMap body)
    {
        await target.CancelScheduledAsync(Longs(body, "sequence-numbers")).ConfigureAwait(false);
        return request.Response(cbs: false, 200, "OK");
    }

    private static async Task<byte[]> ReceiveBySequenceNumberAsync(ManagementRequest request, QueueEntity queue, SubQueue subQueue, AmqpMap body)
    {
        var mode = body.TryGetValue("receiver-settle-mode", out var m) && Convert.ToInt64(m, System.Globalization.CultureInfo.InvariantCulture) == 0
            ? ReceiveMode.ReceiveAndDelete
            : ReceiveMode.PeekLock;
        var received = await queue.ReceiveDeferredAsync(subQueue, Longs(body, "sequence-numbers"), mode).ConfigureAwait(false);
        var messages = new List<object?>(received.Count);
        foreach (var message in received)
        {
            var payload = await queue.LoadBodyAsync(message).ConfigureAwait(false);
            if (payload is not { } bytes)
                continue;
            messages.Add(new AmqpMap
            {
                ["lock-token"] = message.LockToken,
                ["message"] = ServiceBusMessageCodec.EncodeDelivered(message, bytes.Span),
            });
        }
        return request.Response(cbs: false, 200, "OK", new AmqpMap { ["messages"] = messages });
    }

    private static async Task<byte[]> UpdateDispositionAsync(ManagementRequest request, QueueEntity queue, AmqpMap body)
    {
        var tokens = Guids(body, "lock-tokens");
        var settlement = DispositionSettlement(body);
        // Every token's settlement is started at once so they share group commits; the reply waits for all of them.
        var settlements = new List<Task>(tokens.Count);
        foreach (var token in tokens)
            settlements.Add(queue.SettleAsync(token, settlement));
        await Task.WhenAll(settlements).ConfigureAwait(false);
        return request.Response(cbs: false, 200, "OK");
    }

    /// <summary>
    /// A request within a transaction. Settling by lock token (update-disposition) is enlisted and applied at commit.
    /// Scheduling is not: its response must carry sequence numbers, which Ferry assigns when a transaction commits.
    /// </summary>
    private static byte[] HandleInTransaction(AmqpConnection connection, string entityPath, ManagementRequest request, AmqpMap body, byte[] txnId)
    {
        if (request.Operation != Prefix + "update-disposition")
        {
            return request.ErrorResponse(cbs: false, 400, AmqpErrorCode.NotImplemented,
                $"The management operation '{request.Operation}' cannot take part in a transaction on Ferry; only update-disposition can.");
        }
        if (!connection.Broker.TryResolve(entityPath, out var queue, out _))
        {
            return request.ErrorResponse(cbs: false, 404, ServiceBusErrors.NotFound,
                $"The messaging entity '{connection.Broker.EntityAddress(entityPath)}' could not be found.");
        }
        if (!connection.TryGetTransaction(txnId, out var transaction))
        {
            var unknown = ServiceBusErrors.UnknownTransaction(txnId);
            return request.ErrorResponse(cbs: false, 400, unknown.Condition, unknown.Description!);
        }
        try
        {
            var settlement = DispositionSettlement(body);
            foreach (var token in Guids(body, "lock-tokens"))
                transaction.EnlistSettlement(queue, token, settlement);
        }
        catch (BrokerException ex)
        {
            var error = ServiceBusErrors.FromTransactional(ex);
            return request.ErrorResponse(cbs: false, ServiceBusErrors.StatusCode(ex.Code), error.Condition, error.Description!);
        }
        catch (ArgumentException ex)
        {
            return request.ErrorResponse(cbs: false, 400, ServiceBusErrors.ArgumentError, ex.Message);
        }
        return request.Response(cbs: false, 200, "OK");
    }

    private static Settlement DispositionSettlement(AmqpMap body)
    {
        var status = body.TryGetValue("disposition-status", out var s) ? s as string : null;
        var properties = body.TryGetValue("properties-to-modify", out var p) ? ServiceBusMessageCodec.ToProperties(p as AmqpMap) : null;
        return status switch
        {
            "completed" => new Settlement(SettlementKind.Complete),
            "abandoned" => new Settlement(SettlementKind.Abandon, properties),
            "defered" or "deferred" => new Settlement(SettlementKind.Defer, properties),
            "suspended" => new Settlement(SettlementKind.DeadLetter, properties,
                body.TryGetValue("deadletter-reason", out var r) ? r as string : null,
                body.TryGetValue("deadletter-description", out var d) ? d as string : null),
            _ => throw new ArgumentException($"disposition-status '{status}' is not one of completed, abandoned, defered, suspended."),
        };
    }

    private static string SessionId(AmqpMap body) =>
        body.TryGetValue("session-id", out var value) && value is string id ? id : throw new ArgumentException("The request needs 'session-id', a string.");

    private static async Task<byte[]> SetSessionStateAsync(ManagementRequest request, QueueEntity queue, AmqpMap body)
    {
        var state = body.TryGetValue("session-state", out var value) ? value as byte[] : null;
        await queue.SetSessionStateAsync(SessionId(body), state).ConfigureAwait(false);
        return request.Response(cbs: false, 200, "OK");
    }

    /// <summary>get-message-sessions (skip/top honoured): ids of sessions with messages or state; 204 past the end.</summary>
    private static byte[] GetMessageSessions(ManagementRequest request, QueueEntity queue, AmqpMap body)
    {
        var skip = body.TryGetValue("skip", out var s) && s is int sk ? Math.Max(0, sk) : 0;
        var top = body.TryGetValue("top", out var t) && t is int tp ? Math.Max(0, tp) : int.MaxValue;
        var ids = queue.GetSessionIds();
        if (skip >= ids.Count || top == 0)
            return request.Response(cbs: false, 204, "No sessions.");
        var page = new string[Math.Min(top, ids.Count - skip)];
        for (var i = 0; i < page.Length; i++)
            page[i] = ids[skip + i];
        return request.Response(cbs: false, 200, "OK", new AmqpMap { ["skip"] = skip + page.Length, ["sessions-ids"] = page });
    }

    private static long Long(AmqpMap body, string key)
    {
        if (!body.TryGetValue(key, out var value) || value is null)
            throw new ArgumentException($"The request needs '{key}'.");
        return value switch
        {
            long l => l,
            int i => i,
            uint u => u,
            ulong u => checked((long)u),
            short s => s,
            _ => throw new ArgumentException($"'{key}' must be a number, not {value.GetType().Name}."),
        };
    }

    private static List<long> Longs(AmqpMap body, string key)
    {
        if (!body.TryGetValue(key, out var value) || value is not IEnumerable items || value is string)
            throw new ArgumentException($"The request needs '{key}', an array of sequence numbers.");
        var result = new List<long>();
        foreach (var item in items)
        {
            result.Add(item switch
            {
                long l => l,
                int i => i,
                ulong u => checked((long)u),
                _ => throw new ArgumentException($"'{key}' holds a {item?.GetType().Name ?? "null"}, not a sequence number."),
            });
        }
        return result;
    }

    private static List<Guid> Guids(AmqpMap body, string key)
    {
        if (!body.TryGetValue(key, out var value) || value is not IEnumerable items || value is string)
            throw new ArgumentException($"The request needs '{key}', an array of lock tokens.");
        var result = new List<Guid>();
        foreach (var item in items)
            result.Add(item is Guid g ? g : throw new ArgumentException($"'{key}' holds a {item?.GetType().Name ?? "null"}, not a uuid."));
        return result;
    }
}
