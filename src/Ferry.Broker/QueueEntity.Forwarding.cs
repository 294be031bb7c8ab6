using Ferry.Storage;
using Microsoft.Extensions.Logging;

namespace Ferry.Broker;

public sealed partial class QueueEntity
{
    private int _senders;

    /// <inheritdoc />
    public int SenderCount => Volatile.Read(ref _senders);

    /// <inheritdoc />
    public void TrackSender(int delta) => Interlocked.Add(ref _senders, delta);

    /// <summary>Receivers registered now on the main queue and the dead-letter queue (session receivers included).</summary>
    public int ReceiverCount
    {
        get
        {
            lock (_sync)
                return _main.Receivers.Count + _deadLetter.Receivers.Count;
        }
    }

    /// <summary>Azure stops auto-forwarding chains after four hops; so does Ferry (the message stays where it is).</summary>
    public const int MaxForwardHops = 4;

    /// <summary>Resolves forwarding targets by name; set by the broker.</summary>
    internal Func<string, ISendTarget?>? ForwardResolver { get; set; }

    /// <summary>The entity messages are forwarded to, or null when there is none (or the chain is too long).</summary>
    internal ISendTarget? ForwardTarget(string? forwardTo, IReadOnlyList<IncomingMessage>? messages = null)
    {
        if (string.IsNullOrEmpty(forwardTo) || ForwardResolver is not { } resolve)
            return null;
        if (messages is not null)
        {
            foreach (var message in messages)
            {
                if (message.ForwardHops >= MaxForwardHops)
                    return null;
            }
        }
        var target = resolve(forwardTo);
        return target is null || ReferenceEquals(target, this) ? null : target;
    }

    /// <summary>True when the entity forwards to an entity that does not exist (deleted after it was set).</summary>
    private bool ForwardingTargetMissing(string? forwardTo) =>
        !string.IsNullOrEmpty(forwardTo) && ForwardResolver is { } resolve && resolve(forwardTo) is null;

    internal static IncomingMessage[] Forwarded(IReadOnlyList<IncomingMessage> messages)
    {
        var result = new IncomingMessage[messages.Count];
        for (var i = 0; i < messages.Count; i++)
        {
            var m = messages[i];
            result[i] = new IncomingMessage
            {
                Body = m.Body,
                MessageId = m.MessageId,
                SessionId = m.SessionId,
                TimeToLive = m.TimeToLive,
                ScheduledEnqueueTime = m.ScheduledEnqueueTime,
                FilterView = m.FilterView,
                Overlay = m.Overlay,
                ForwardHops = m.ForwardHops + 1,
            };
        }
        return result;
    }

    /// <summary>
    /// ForwardDeadLetteredMessagesTo: instead of this entity's dead-letter queue, the message goes to the target, with its
    /// dead-letter reason. The copy there is made durable before the original is deleted here: a crash in between can
    /// leave both (at least once), never neither. Caller holds the lock and has already removed the entry from memory.
    /// </summary>
    private void ForwardDeadLetter(MessageEntry entry, ISendTarget target)
    {
        _ = ForwardAsync();

        async Task ForwardAsync()
        {
            try
            {
                ReadOnlyMemory<byte> bytes;
                if (entry.IsBodyLoaded)
                    bytes = entry.Body;
                else if (await _store.ReadBodyAsync(Key, entry.SequenceNumber).ConfigureAwait(false) is { } stored)
                    bytes = stored;
                else
                    return;
                await target.SendAsync([new IncomingMessage
                {
                    Body = bytes,
                    MessageId = entry.MessageId,
                    SessionId = entry.SessionId,
                    Overlay = entry.Overlay,
                    ForwardHops = 1,
                }]).ConfigureAwait(false);
                await _store.CommitAsync(new WriteBatch(1).DeleteMessage(Key, entry.SequenceNumber)).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                _logger.LogError(ex, "Forwarding dead-lettered message {SequenceNumber} of {Entity} to {Target} failed; it stays stored in {Entity}.",
                    entry.SequenceNumber, Name, target.Name, Name);
            }
        }
    }
}
