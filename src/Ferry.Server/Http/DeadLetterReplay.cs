using System.Text;
using Ferry.Amqp;
using Ferry.Broker;
using Ferry.Storage;

using Ferry.Server.Amqp;

namespace Ferry.Server.Http;

/// <summary>
/// Replays dead-lettered messages to their queue: each becomes a new message with the same sections (header delivery
/// count reset; delivery annotations dropped), its application properties as a receiver of the dead-lettered message
/// saw them minus DeadLetterReason and DeadLetterErrorDescription, which move to <see cref="ReasonProperty"/> and
/// <see cref="DescriptionProperty"/>, plus <see cref="ReplayedFromProperty"/>. Same message id and session id.
/// </summary>
/// <remarks>
/// Order, per page of messages: the copies are sent (durable), then the originals are removed from the dead-letter
/// queue (durable). A crash between the two leaves both — a duplicate, never a loss. A copy dropped by duplicate
/// detection (the message id was sent within the window) is not replayed and its original stays.
/// </remarks>
internal static class DeadLetterReplay
{
    public const string ReplayedFromProperty = "x-ferry-replayed-from";
    public const string ReasonProperty = "x-ferry-deadletter-reason";
    public const string DescriptionProperty = "x-ferry-deadletter-description";
    private const int PageSize = 100;

    /// <summary>Replays the given dead-letter sequence numbers, or every dead-lettered message when null.</summary>
    public static async Task<ReplayResult> ReplayAsync(QueueEntity queue, IReadOnlyList<long>? sequenceNumbers, CancellationToken cancellationToken)
    {
        var state = new Accumulator();
        if (sequenceNumbers is null)
        {
            // Only what was there when the replay began: a copy dead-lettered again meanwhile has a higher number.
            var last = queue.LastSequenceNumber;
            long from = 0;
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var page = queue.Peek(SubQueue.DeadLetter, from, PageSize);
                var chosen = new List<BrokerMessage>(page.Count);
                foreach (var message in page)
                {
                    if (message.SequenceNumber <= last)
                        chosen.Add(message);
                }
                if (chosen.Count > 0)
                    await ReplayPageAsync(queue, chosen, state).ConfigureAwait(false);
                if (page.Count < PageSize || chosen.Count < page.Count)
                    break;
                from = page[^1].SequenceNumber + 1;
            }
        }
        else
        {
            var chosen = new List<BrokerMessage>();
            foreach (var sequenceNumber in sequenceNumbers.Distinct().Order())
            {
                var found = queue.Peek(SubQueue.DeadLetter, sequenceNumber, 1);
                if (found.Count == 1 && found[0].SequenceNumber == sequenceNumber)
                    chosen.Add(found[0]);
                else
                    state.NotFound.Add(sequenceNumber);
            }
            for (var i = 0; i < chosen.Count; i += PageSize)
            {
                cancellationToken.ThrowIfCancellationRequested();
                await ReplayPageAsync(queue, chosen.GetRange(i, Math.Min(PageSize, chosen.Count - i)), state).ConfigureAwait(false);
            }
        }
        return new ReplayResult(state.Replayed.Count, state.NotFound.Count, state.Failures.Count, state.Replayed, state.NotFound, state.Failures);
    }

    // Not cancellable once started: a copy that was sent must be followed by the removal of its original.
    private static async Task ReplayPageAsync(QueueEntity queue, List<BrokerMessage> page, Accumulator state)
    {
        var copies = new List<IncomingMessage>(page.Count);
        var sources = new List<long>(page.Count);
        foreach (var message in page)
        {
            var body = await queue.LoadBodyAsync(message).ConfigureAwait(false);
            if (body is null)
            {
                state.NotFound.Add(message.SequenceNumber);
                continue;
            }
            try
            {
                copies.Add(Copy(message, body.Value.Span));
                sources.Add(message.SequenceNumber);
            }
            catch (AmqpDecodeException ex)
            {
                state.Failures.Add(new ReplayFailure(message.SequenceNumber, $"The stored message cannot be decoded: {ex.Message}"));
            }
        }
        if (copies.Count == 0)
            return;

        long[] sent;
        try
        {
            sent = await queue.SendAsync(copies).ConfigureAwait(false);
        }
        catch (BrokerException ex) when (IsPerMessage(ex))
        {
            // One message spoils an atomic batch (too large, no session id, quota): send one by one to say which.
            sent = new long[copies.Count];
            for (var i = 0; i < copies.Count; i++)
            {
                try
                {
                    sent[i] = (await queue.SendAsync([copies[i]]).ConfigureAwait(false))[0];
                }
                catch (BrokerException one) when (IsPerMessage(one))
                {
                    sent[i] = -1;
                    state.Failures.Add(new ReplayFailure(sources[i], one.Message));
                }
            }
        }

        var remove = new List<long>(sent.Length);
        for (var i = 0; i < sent.Length; i++)
        {
            if (sent[i] > 0)
            {
                remove.Add(sources[i]);
                state.Replayed.Add(new ReplayedMessage(sources[i], sent[i]));
            }
            else if (sent[i] == 0)
            {
                state.Failures.Add(new ReplayFailure(sources[i],
                    $"The copy was dropped by duplicate detection: message id '{copies[i].MessageId}' was sent within the queue's DuplicateDetectionHistoryTimeWindow. The message stays in the dead-letter queue."));
            }
        }
        if (remove.Count > 0)
            await queue.RemoveAsync(SubQueue.DeadLetter, remove).ConfigureAwait(false);
    }

    private static bool IsPerMessage(BrokerException ex) =>
        ex.Code is BrokerErrorCode.MessageSizeExceeded or BrokerErrorCode.InvalidArgument or BrokerErrorCode.QuotaExceeded;

    /// <summary>The new message for a dead-lettered one (see the class remarks).</summary>
    /// <exception cref="AmqpDecodeException">The stored sections are malformed.</exception>
    public static IncomingMessage Copy(BrokerMessage message, ReadOnlySpan<byte> encoded)
    {
        // A rule action's changes (removed properties, SET sys.X) travel with the replayed copy.
        encoded = ServiceBusMessageCodec.DeliveredSpan(message, encoded);
        var sections = MessageSections.Scan(encoded);
        var header = sections.Header.IsPresent ? Header.Decode(sections.Header.Slice(encoded)) : new Header { Durable = true };
        header.DeliveryCount = 0;
        ServiceBusMessageCodec.ApplyTimeToLive(message, header);
        var application = sections.ApplicationProperties.IsPresent ? MapSection.Decode(sections.ApplicationProperties.Slice(encoded)) : new AmqpMap();
        ServiceBusMessageCodec.RemoveRemoved(message, application);
        object? reason = null, description = null;
        if (message.PropertyOverrides is { } overrides)
        {
            foreach (var (key, value) in overrides)
            {
                if (key == DeadLetterReasons.ReasonProperty)
                    reason = value;
                else if (key == DeadLetterReasons.DescriptionProperty)
                    description = value;
                else
                    application[key] = ToAmqp(value);
            }
        }
        application.Remove(DeadLetterReasons.ReasonProperty);
        application.Remove(DeadLetterReasons.DescriptionProperty);
        application[ReplayedFromProperty] = message.SequenceNumber;
        if (reason is not null)
            application[ReasonProperty] = ToAmqp(reason);
        if (description is not null)
            application[DescriptionProperty] = ToAmqp(description);

        var writer = new AmqpWriter(encoded.Length + 256);
        try
        {
            header.Encode(ref writer);
            writer.WriteRaw(sections.MessageAnnotations.Slice(encoded));
            writer.WriteRaw(sections.Properties.Slice(encoded));
            MapSection.Encode(ref writer, Descriptor.ApplicationProperties, application);
            writer.WriteRaw(sections.Body.Slice(encoded));
            writer.WriteRaw(sections.Footer.Slice(encoded));
            return new IncomingMessage
            {
                Body = writer.ToArray(),
                MessageId = message.MessageId,
                SessionId = message.SessionId,
                TimeToLive = header.Ttl is { } ttl and > 0 ? TimeSpan.FromMilliseconds(ttl) : null,
            };
        }
        finally
        {
            writer.Dispose();
        }
    }

    private static object? ToAmqp(object? value) => value switch
    {
        DateTime dt => new DateTimeOffset(dt.ToUniversalTime(), TimeSpan.Zero),
        TimeSpan ts => ts.Ticks,
        char c => new Rune(c),
        _ => value,
    };

    private sealed class Accumulator
    {
        public List<ReplayedMessage> Replayed { get; } = [];

        public List<long> NotFound { get; } = [];

        public List<ReplayFailure> Failures { get; } = [];
    }
}
