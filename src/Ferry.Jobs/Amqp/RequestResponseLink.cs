using System.Collections.Concurrent;
using System.Globalization;
using Amqp;
using Amqp.Framing;

namespace Ferry.Jobs;

/// <summary>
/// A request/response pair of links on one session, as the SDKs drive <c>$cbs</c> and <c>&lt;entity&gt;/$management</c>:
/// requests carry a string message-id and reply-to = the reply link's name and target address; responses are matched
/// by correlation-id.
/// </summary>
internal sealed class RequestResponseLink
{
    private readonly Session _session;
    private readonly SenderLink _requests;
    private readonly ReceiverLink _replies;
    private readonly string _replyTo;
    private readonly ConcurrentDictionary<string, TaskCompletionSource<Message>> _pending = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource _attached = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _nextId;
    private int _attachCount;

    public RequestResponseLink(Connection connection, string node)
    {
        Node = node;
        _session = new Session(connection);
        _replyTo = $"{node.Replace('$', '_')}-reply-{Guid.NewGuid():N}";
        _requests = new SenderLink(_session, $"{node.Replace('$', '_')}-request-{Guid.NewGuid():N}", new Attach
        {
            Source = new Source(),
            Target = new Target { Address = node },
        }, OnAttached);
        _replies = new ReceiverLink(_session, _replyTo, new Attach
        {
            Source = new Source { Address = node },
            Target = new Target { Address = _replyTo },
        }, OnAttached);
        _requests.Closed += OnClosed;
        _replies.Closed += OnClosed;
        _replies.Start(100, OnReply);
    }

    public string Node { get; }

    public bool IsClosed => _requests.IsClosed || _replies.IsClosed || _session.IsClosed;

    /// <summary>Sends one request and returns the response; the caller checks the status.</summary>
    public async Task<Message> RequestAsync(string operation, object? body, TimeSpan timeout, CancellationToken cancellationToken,
        Action<ApplicationProperties>? extra = null)
    {
        await _attached.Task.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        var id = "req-" + Interlocked.Increment(ref _nextId).ToString(CultureInfo.InvariantCulture) + "-" + _replyTo;
        var properties = new ApplicationProperties { ["operation"] = operation };
        extra?.Invoke(properties);
        var request = new Message
        {
            Properties = new Properties { MessageId = id, ReplyTo = _replyTo },
            ApplicationProperties = properties,
            BodySection = new AmqpValue { Value = body },
        };
        var response = new TaskCompletionSource<Message>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = response;
        try
        {
            await _requests.SendAsync(request, timeout).WaitAsync(cancellationToken).ConfigureAwait(false);
            return await response.Task.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _pending.TryRemove(id, out _);
        }
    }

    public Task CloseAsync() => AmqpClose.QuietlyAsync(_session);

    private void OnAttached(ILink link, Attach attach)
    {
        if (Interlocked.Increment(ref _attachCount) == 2)
            _attached.TrySetResult();
    }

    private void OnClosed(IAmqpObject sender, Error? error)
    {
        var exception = new AmqpException(error ?? new Error(ErrorCode.DetachForced) { Description = $"The link to {Node} closed." });
        _attached.TrySetException(exception);
        foreach (var pending in _pending.Values)
            pending.TrySetException(exception);
    }

    private void OnReply(IReceiverLink link, Message message)
    {
        link.Accept(message);
        if (message.Properties?.CorrelationId is string id && _pending.TryGetValue(id, out var response))
            response.TrySetResult(message);
    }

    /// <summary>The status of a response: <c>statusCode</c> (management) or <c>status-code</c> (CBS).</summary>
    public static (int Status, string? Condition, string? Description) ReadStatus(Message response)
    {
        var properties = response.ApplicationProperties;
        object? status = null, condition = null, description = null;
        if (properties is not null)
        {
            var map = properties.Map;
            status = Get(map, "statusCode") ?? Get(map, "status-code");
            condition = Get(map, "errorCondition") ?? Get(map, "error-condition");
            description = Get(map, "statusDescription") ?? Get(map, "status-description");
        }
        var code = status switch
        {
            int i => i,
            long l => (int)l,
            uint u => (int)u,
            short s => s,
            _ => 0,
        };
        return (code, condition?.ToString(), description?.ToString());
    }

    private static object? Get(Amqp.Types.Map map, string key) => map.TryGetValue(key, out var value) ? value : null;
}
