using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Amqp;
using Amqp.Framing;
using Amqp.Types;

namespace Ferry.Server.Tests;

/// <summary>Small pieces the AMQPNetLite tests share: request/response over a node, closed links, SAS tokens.</summary>
internal static class LiteHelpers
{
    /// <summary>Completes with the error an object was closed with (null for a clean close).</summary>
    public static Task<Error?> ClosedAsync(AmqpObject amqpObject)
    {
        var closed = new TaskCompletionSource<Error?>(TaskCreationOptions.RunContinuationsAsynchronously);
        amqpObject.Closed += (_, error) => closed.TrySetResult(error);
        if (amqpObject.IsClosed)
            closed.TrySetResult(amqpObject.Error);
        return closed.Task.WaitAsync(ServerFixture.Timeout);
    }

    /// <summary>
    /// A SAS token as the SDKs make it: HMAC-SHA256 with the UTF-8 bytes of the key over the url-encoded audience, a
    /// newline and the expiry in unix seconds.
    /// </summary>
    public static string SasToken(string audience, DateTimeOffset expires, string keyName = ServerFixture.KeyName, string key = ServerFixture.Key)
    {
        var sr = Uri.EscapeDataString(audience);
        var se = expires.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var sig = Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes(sr + "\n" + se)));
        return $"SharedAccessSignature sr={sr}&sig={Uri.EscapeDataString(sig)}&se={se}&skn={Uri.EscapeDataString(keyName)}";
    }

    public static byte[] Bytes(Message message) => message.Body switch
    {
        byte[] bytes => bytes,
        _ => throw new InvalidOperationException($"Expected a data body, got {message.Body?.GetType().Name ?? "null"}."),
    };
}

/// <summary>
/// A request/response pair of links on <c>$cbs</c> or <c>&lt;entity&gt;/$management</c>, driven by hand the way the
/// SDKs do it: the reply link's target address (and name) is the request's reply-to.
/// </summary>
internal sealed class LiteNodeClient
{
    private readonly SenderLink _requests;
    private readonly ReceiverLink _replies;
    private readonly string _replyTo;
    private int _nextId;

    public LiteNodeClient(Session session, string node)
    {
        _replyTo = $"reply-{Guid.NewGuid():N}";
        _requests = new SenderLink(session, $"request-{Guid.NewGuid():N}", node);
        _replies = new ReceiverLink(session, _replyTo, new Attach
        {
            Source = new Source { Address = node },
            Target = new Target { Address = _replyTo },
        }, null);
        _replies.SetCredit(10);
    }

    /// <summary>Sends one request and waits for its response, checking the correlation id.</summary>
    public async Task<Message> RequestAsync(string operation, object? body, Action<ApplicationProperties>? extra = null)
    {
        var id = $"request-{Interlocked.Increment(ref _nextId)}";
        var properties = new ApplicationProperties { ["operation"] = operation };
        extra?.Invoke(properties);
        var request = new Message
        {
            Properties = new Properties { MessageId = id, ReplyTo = _replyTo },
            ApplicationProperties = properties,
            BodySection = new AmqpValue { Value = body },
        };
        await _requests.SendAsync(request);
        var response = await _replies.ReceiveAsync(ServerFixture.Timeout);
        Assert.NotNull(response);
        _replies.Accept(response);
        Assert.Equal(id, response.Properties.CorrelationId);
        return response;
    }

    /// <summary>com.microsoft:peek-message; returns the status code and the decoded messages.</summary>
    public async Task<(int Status, List<Message> Messages)> PeekAsync(long fromSequenceNumber, int count)
    {
        var response = await RequestAsync("com.microsoft:peek-message",
            new Map { ["from-sequence-number"] = fromSequenceNumber, ["message-count"] = count });
        var status = (int)response.ApplicationProperties["statusCode"];
        var messages = new List<Message>();
        if (response.Body is Map map && map["messages"] is System.Collections.IEnumerable entries)
        {
            foreach (Map entry in entries)
            {
                var bytes = (byte[])entry["message"];
                messages.Add(Message.Decode(new ByteBuffer(bytes, 0, bytes.Length, bytes.Length)));
            }
        }
        return (status, messages);
    }
}
