using System.Collections;
using Amqp;
using Amqp.Framing;
using Amqp.Types;

namespace Ferry.Jobs;

/// <summary>The <c>&lt;entity&gt;/$management</c> node of one entity: lock renewal and scheduling (reference §6).</summary>
public sealed class ServiceBusManagementClient
{
    private static readonly Symbol ScheduledEnqueueTime = new("x-opt-scheduled-enqueue-time");

    private readonly RequestResponseLink _link;
    private readonly TimeSpan _timeout;

    internal ServiceBusManagementClient(RequestResponseLink link, string entityPath, TimeSpan timeout)
    {
        _link = link;
        EntityPath = entityPath;
        _timeout = timeout;
    }

    public string EntityPath { get; }

    internal bool IsClosed => _link.IsClosed;

    /// <summary><c>com.microsoft:renew-lock</c>: extends a peek-lock; returns the new expiry (UTC).</summary>
    /// <exception cref="ServiceBusRequestException">The broker refused, e.g. 410 message-lock-lost.</exception>
    public async Task<DateTimeOffset> RenewLockAsync(Guid lockToken, CancellationToken cancellationToken = default)
    {
        var body = await RequestAsync("com.microsoft:renew-lock", new Map { ["lock-tokens"] = new[] { lockToken } }, cancellationToken)
            .ConfigureAwait(false);
        if (Get(body, "expirations") is IList { Count: > 0 } expirations && expirations[0] is DateTime expiry)
            return new DateTimeOffset(DateTime.SpecifyKind(expiry, DateTimeKind.Utc));
        throw new ServiceBusRequestException("com.microsoft:renew-lock: the response carries no expirations.");
    }

    /// <summary>
    /// <c>com.microsoft:schedule-message</c>: the message is enqueued at <paramref name="enqueueAt"/>; returns its sequence
    /// number. The message's <c>x-opt-scheduled-enqueue-time</c> annotation is set here.
    /// </summary>
    public async Task<long> ScheduleMessageAsync(Message message, DateTimeOffset enqueueAt, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        message.MessageAnnotations ??= new MessageAnnotations();
        message.MessageAnnotations[ScheduledEnqueueTime] = enqueueAt.UtcDateTime;
        message.Properties ??= new Properties();
        message.Properties.MessageId ??= Guid.NewGuid().ToString("N");
        var buffer = message.Encode();
        var bytes = new byte[buffer.Length];
        Buffer.BlockCopy(buffer.Buffer, buffer.Offset, bytes, 0, buffer.Length);
        var entry = new Map { ["message"] = bytes, ["message-id"] = message.Properties.MessageId };
        if (message.Properties.GroupId is { } sessionId)
            entry["session-id"] = sessionId;
        var body = await RequestAsync("com.microsoft:schedule-message", new Map { ["messages"] = new List { entry } }, cancellationToken)
            .ConfigureAwait(false);
        if (Get(body, "sequence-numbers") is IList { Count: > 0 } numbers && numbers[0] is long sequenceNumber)
            return sequenceNumber;
        throw new ServiceBusRequestException("com.microsoft:schedule-message: the response carries no sequence-numbers.");
    }

    /// <summary>
    /// <c>com.microsoft:update-disposition</c>: settles a peek-locked message by its lock token, without the link it came
    /// on (after a reconnect). <paramref name="status"/> is <c>completed</c>, <c>abandoned</c>, <c>suspended</c>
    /// (dead-letter, with reason and description) or <c>defered</c>.
    /// </summary>
    /// <exception cref="ServiceBusRequestException">The broker refused, e.g. 410 message-lock-lost.</exception>
    public async Task UpdateDispositionAsync(Guid lockToken, string status, string? deadLetterReason = null, string? deadLetterDescription = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(status);
        var body = new Map { ["lock-tokens"] = new[] { lockToken }, ["disposition-status"] = status };
        if (deadLetterReason is not null)
            body["deadletter-reason"] = deadLetterReason;
        if (deadLetterDescription is not null)
            body["deadletter-description"] = deadLetterDescription;
        await RequestAsync("com.microsoft:update-disposition", body, cancellationToken).ConfigureAwait(false);
    }

    /// <summary><c>com.microsoft:get-session-state</c>: the session's state, or null when it has none. Needs the session lock.</summary>
    /// <exception cref="ServiceBusRequestException">The broker refused, e.g. session-lock-lost.</exception>
    public async Task<byte[]?> GetSessionStateAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        var body = await RequestAsync("com.microsoft:get-session-state", new Map { ["session-id"] = sessionId }, cancellationToken).ConfigureAwait(false);
        return Get(body, "session-state") as byte[];
    }

    /// <summary><c>com.microsoft:set-session-state</c>: replaces the session's state (null clears it). Needs the session lock.</summary>
    /// <exception cref="ServiceBusRequestException">The broker refused, e.g. session-lock-lost.</exception>
    public async Task SetSessionStateAsync(string sessionId, byte[]? state, CancellationToken cancellationToken = default) =>
        await RequestAsync("com.microsoft:set-session-state", new Map { ["session-id"] = sessionId, ["session-state"] = state }, cancellationToken)
            .ConfigureAwait(false);

    /// <summary><c>com.microsoft:renew-session-lock</c>: extends the session lock; returns the new expiry (UTC).</summary>
    public async Task<DateTimeOffset> RenewSessionLockAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        var body = await RequestAsync("com.microsoft:renew-session-lock", new Map { ["session-id"] = sessionId }, cancellationToken).ConfigureAwait(false);
        if (Get(body, "expiration") is DateTime expiry)
            return new DateTimeOffset(DateTime.SpecifyKind(expiry, DateTimeKind.Utc));
        throw new ServiceBusRequestException("com.microsoft:renew-session-lock: the response carries no expiration.");
    }

    private static object? Get(Map? map, string key) => map is not null && map.TryGetValue(key, out var value) ? value : null;

    private async Task<Map?> RequestAsync(string operation, Map body, CancellationToken cancellationToken)
    {
        var response = await _link.RequestAsync(operation, body, _timeout, cancellationToken, properties =>
            properties["com.microsoft:server-timeout"] = (uint)_timeout.TotalMilliseconds).ConfigureAwait(false);
        var (status, condition, description) = RequestResponseLink.ReadStatus(response);
        if (status is < 200 or > 299)
            throw new ServiceBusRequestException(operation, status, condition, description);
        return response.Body as Map;
    }
}
