using Amqp;
using Amqp.Framing;
using Amqp.Types;

namespace Ferry.CrashTests;

/// <summary>
/// Request/response on <c>&lt;queue&gt;/$management</c> with AMQPNetLite: update-disposition (a completion the broker
/// confirms only after it is durable) and peek-message (the whole queue, locked messages included, without locking).
/// </summary>
internal sealed class ManagementClient
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private readonly SenderLink _requests;
    private readonly ReceiverLink _replies;
    private readonly string _replyTo;
    private long _nextId;

    public ManagementClient(Session session, string entity, string name)
    {
        _replyTo = $"{name}-reply";
        _requests = new SenderLink(session, $"{name}-requests", $"{entity}/$management");
        _replies = new ReceiverLink(session, $"{name}-replies",
            new Attach { Source = new Source { Address = $"{entity}/$management" }, Target = new Target { Address = _replyTo } }, null);
        _replies.SetCredit(16);
    }

    /// <summary>Completes locked messages; returns once the broker answered 200, which it does after the removal is durable.</summary>
    public async Task CompleteAsync(IReadOnlyList<Guid> lockTokens)
    {
        var tokens = new List();
        foreach (var token in lockTokens)
            tokens.Add(token);
        var reply = await RequestAsync("com.microsoft:update-disposition", new Map
        {
            ["lock-tokens"] = tokens,
            ["disposition-status"] = "completed",
        });
        var status = Status(reply);
        if (status != 200)
            throw new ManagementException($"update-disposition answered {status}: {reply.ApplicationProperties["statusDescription"]}");
    }

    /// <summary>Every message in the queue (active and locked), in sequence order, each decoded.</summary>
    public async Task<List<Message>> PeekAllAsync()
    {
        var all = new List<Message>();
        long from = 1;
        while (true)
        {
            var reply = await RequestAsync("com.microsoft:peek-message", new Map
            {
                ["from-sequence-number"] = from,
                ["message-count"] = 500,
            });
            var status = Status(reply);
            if (status == 204)
                return all;
            if (status != 200)
                throw new ManagementException($"peek-message answered {status}: {reply.ApplicationProperties["statusDescription"]}");
            var messages = (List)((Map)reply.Body)["messages"];
            if (messages.Count == 0)
                return all;
            foreach (Map entry in messages)
            {
                var bytes = (byte[])entry["message"];
                var message = Message.Decode(new ByteBuffer(bytes, 0, bytes.Length, bytes.Length));
                all.Add(message);
                from = Math.Max(from, LoadMessages.SequenceNumber(message) + 1);
            }
        }
    }

    /// <summary>Sets a session's state; returns once the broker answered 200 (after the state is durable).</summary>
    public async Task SetSessionStateAsync(string sessionId, byte[] state)
    {
        var reply = await RequestAsync("com.microsoft:set-session-state", new Map { ["session-id"] = sessionId, ["session-state"] = state });
        var status = Status(reply);
        if (status != 200)
            throw new ManagementException($"set-session-state answered {status}: {reply.ApplicationProperties["statusDescription"]}");
    }

    /// <summary>A session's state, or null when it has none.</summary>
    public async Task<byte[]?> GetSessionStateAsync(string sessionId)
    {
        var reply = await RequestAsync("com.microsoft:get-session-state", new Map { ["session-id"] = sessionId });
        var status = Status(reply);
        if (status != 200)
            throw new ManagementException($"get-session-state answered {status}: {reply.ApplicationProperties["statusDescription"]}");
        return ((Map)reply.Body)["session-state"] as byte[];
    }

    private async Task<Message> RequestAsync(string operation, Map body)
    {
        var id = $"req-{Interlocked.Increment(ref _nextId)}";
        var request = new Message(body)
        {
            Properties = new Properties { MessageId = id, ReplyTo = _replyTo },
            ApplicationProperties = new ApplicationProperties(),
        };
        request.ApplicationProperties["operation"] = operation;
        await _requests.SendAsync(request).WaitAsync(Timeout);
        var reply = await _replies.ReceiveAsync(Timeout) ?? throw new TimeoutException($"No reply to {operation} within {Timeout.TotalSeconds} s.");
        _replies.Accept(reply);
        if (!Equals(reply.Properties?.CorrelationId, id))
            throw new InvalidOperationException($"The reply to {id} carries correlation-id {reply.Properties?.CorrelationId}.");
        return reply;
    }

    private static int Status(Message reply) => Convert.ToInt32(reply.ApplicationProperties["statusCode"], System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>The broker answered a management request with an error status.</summary>
internal sealed class ManagementException(string message) : Exception(message);
