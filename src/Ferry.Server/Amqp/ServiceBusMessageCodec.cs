using System.Buffers;
using System.Globalization;
using System.Text;
using Ferry.Amqp;
using Ferry.Broker;
using Ferry.Broker.Filters;
using Ferry.Storage;

namespace Ferry.Server.Amqp;

/// <summary>
/// Between AMQP messages and the broker: reads the fields the broker acts on at the boundary, assigns missing message
/// ids, and writes delivered messages (stored sections plus broker annotations and property overrides).
/// </summary>
internal static class ServiceBusMessageCodec
{
    /// <summary>
    /// Reads the broker's fields from an encoded message. When it has no message-id, one (32 hex digits) is written into
    /// its properties section, so every delivered message has one (the JS SDK's lock renewer needs it).
    /// </summary>
    /// <param name="encoded">The message; it becomes the stored body as it is (no copy), so nothing else may write to it.</param>
    /// <exception cref="AmqpDecodeException">The message is malformed.</exception>
    public static IncomingMessage ToIncoming(ReadOnlyMemory<byte> encoded, DateTimeOffset now, bool withFilterView = false)
    {
        var sections = MessageSections.Scan(encoded.Span);
        var messageId = MessageIdText(MessageReader.GetMessageId(encoded.Span, sections));
        if (messageId is null)
        {
            messageId = Guid.NewGuid().ToString("N");
            encoded = WithMessageId(encoded.Span, sections, messageId);
            sections = MessageSections.Scan(encoded.Span);
        }
        var span = encoded.Span;
        var ttl = MessageReader.GetTtl(span, sections);
        var scheduled = MessageReader.GetScheduledEnqueueTime(span, sections);
        var timeToLive = ttl is { } ms and > 0 ? TimeSpan.FromMilliseconds(ms) : (TimeSpan?)null;
        return new IncomingMessage
        {
            Body = encoded,
            MessageId = messageId,
            SessionId = MessageReader.GetGroupId(span, sections),
            TimeToLive = timeToLive,
            ScheduledEnqueueTime = scheduled is { } at && at > now ? at : null,
            FilterView = withFilterView ? FilterView(span, sections, messageId, scheduled, timeToLive) : null,
        };
    }

    /// <summary>What subscription rules see: the system properties and the application properties, decoded once.</summary>
    private static FilterMessage FilterView(ReadOnlySpan<byte> encoded, in MessageSections sections, string messageId, DateTimeOffset? scheduled, TimeSpan? ttl)
    {
        var properties = new Dictionary<string, object?>(StringComparer.Ordinal);
        if (sections.ApplicationProperties.IsPresent)
        {
            foreach (var (key, value) in MapSection.Decode(sections.ApplicationProperties.Slice(encoded)))
            {
                var name = key switch { string s => s, AmqpSymbol symbol => symbol.Value, _ => null };
                if (name is not null)
                    properties[name] = value switch { AmqpSymbol symbol => symbol.Value, Rune rune => rune.ToString(), _ => value };
            }
        }
        var view = new FilterMessage(properties)
        {
            MessageId = messageId,
            ScheduledEnqueueTime = scheduled,
            TimeToLive = ttl ?? TimeSpan.MaxValue,
            Size = encoded.Length,
        };
        if (sections.Properties.IsPresent)
        {
            var p = Properties.Decode(sections.Properties.Slice(encoded));
            view.CorrelationId = MessageIdText(p.CorrelationId);
            view.Subject = p.Subject;
            view.To = p.To;
            view.ReplyTo = p.ReplyTo;
            view.SessionId = p.GroupId;
            view.ReplyToSessionId = p.ReplyToGroupId;
            view.ContentType = p.ContentType?.Value;
        }
        if (MessageReader.TryGetMessageAnnotation(encoded, sections, ServiceBusAnnotations.PartitionKeyUtf8, out var partitionKey))
        {
            var reader = new AmqpReader(partitionKey);
            if (!reader.TryReadNull())
                view.PartitionKey = reader.ReadString();
        }
        return view;
    }

    /// <summary>Unpacks a 0x80013700 batch: each data section is one message (reference §3.3); the envelope is ignored.</summary>
    public static IReadOnlyList<IncomingMessage> UnpackBatch(ReadOnlyMemory<byte> envelope, DateTimeOffset now, bool withFilterViews = false)
    {
        var messages = new List<IncomingMessage>();
        // Each message gets its own copy: a slice would keep the whole envelope alive while any one of them is stored.
        foreach (var inner in ServiceBusBatch.GetMessages(envelope))
            messages.Add(ToIncoming(inner.ToArray(), now, withFilterViews));
        return messages;
    }

    /// <summary>Message ids of any AMQP type, as the text the broker keys duplicate detection on.</summary>
    public static string? MessageIdText(object? id) => id switch
    {
        null => null,
        string s => s,
        Guid g => g.ToString(),
        ulong u => u.ToString(CultureInfo.InvariantCulture),
        byte[] b => Convert.ToHexString(b),
        _ => Convert.ToString(id, CultureInfo.InvariantCulture),
    };

    private static byte[] WithMessageId(ReadOnlySpan<byte> encoded, in MessageSections sections, string messageId)
    {
        var properties = sections.Properties.IsPresent ? Properties.Decode(sections.Properties.Slice(encoded)) : new Properties();
        properties.MessageId = messageId;
        return WithProperties(encoded, sections, properties);
    }

    /// <summary>The message with its properties section replaced by (or, when it has none, given) <paramref name="properties"/>.</summary>
    private static byte[] WithProperties(ReadOnlySpan<byte> encoded, in MessageSections sections, Properties properties)
    {
        var writer = new AmqpWriter(256);
        try
        {
            properties.Encode(ref writer);
            int start, end;
            if (sections.Properties.IsPresent)
            {
                start = sections.Properties.Offset;
                end = sections.Properties.End;
            }
            else
            {
                // Properties go after header, delivery- and message-annotations (AMQP 1.0 §3.2).
                start = Math.Max(sections.Header.End, Math.Max(sections.DeliveryAnnotations.End, sections.MessageAnnotations.End));
                end = start;
            }
            var result = new byte[start + writer.Length + (encoded.Length - end)];
            encoded[..start].CopyTo(result);
            writer.WrittenSpan.CopyTo(result.AsSpan(start));
            encoded[end..].CopyTo(result.AsSpan(start + writer.Length));
            return result;
        }
        finally
        {
            writer.Dispose();
        }
    }

    /// <summary>
    /// The stored sections to deliver: <paramref name="body"/> itself, or, when a rule action changed system properties
    /// that live in the properties section (message-id, correlation-id, subject, to, reply-to, group-id,
    /// reply-to-group-id, content-type), a copy with that section rewritten. Call before <see cref="DeliveryParts"/>.
    /// </summary>
    public static ReadOnlyMemory<byte> DeliveredBody(BrokerMessage message, ReadOnlyMemory<byte> body) =>
        WithSystemOverrides(message, body.Span) is { } rewritten ? rewritten : body;

    /// <inheritdoc cref="DeliveredBody(BrokerMessage, ReadOnlyMemory{byte})"/>
    public static ReadOnlySpan<byte> DeliveredSpan(BrokerMessage message, ReadOnlySpan<byte> body) =>
        WithSystemOverrides(message, body) is { } rewritten ? rewritten : body;

    /// <summary>A rule action's SET sys.TimeToLive as the header's ttl (milliseconds; none when beyond uint range).</summary>
    public static void ApplyTimeToLive(BrokerMessage message, Header header)
    {
        if (message.SystemPropertyOverrides is { } system && system.TryGetValue(SystemProperty.TimeToLive, out var ttl) && ttl is TimeSpan span)
            header.Ttl = span.TotalMilliseconds >= uint.MaxValue ? null : (uint)span.TotalMilliseconds;
    }

    /// <summary>Removes the application properties a rule action removed from <paramref name="application"/>.</summary>
    public static void RemoveRemoved(BrokerMessage message, AmqpMap application)
    {
        if (message.RemovedProperties is not { } removed)
            return;
        foreach (var key in removed)
            application.Remove(key);
    }

    private static byte[]? WithSystemOverrides(BrokerMessage message, ReadOnlySpan<byte> body)
    {
        if (message.SystemPropertyOverrides is not { Count: > 0 } overrides)
            return null;
        var sections = MessageSections.Scan(body);
        Properties? properties = null;
        foreach (var (property, value) in overrides)
        {
            if (property is SystemProperty.TimeToLive or SystemProperty.ScheduledEnqueueTimeUtc or SystemProperty.PartitionKey)
                continue;
            properties ??= sections.Properties.IsPresent ? Properties.Decode(sections.Properties.Slice(body)) : new Properties();
            var text = (string?)value;
            switch (property)
            {
                case SystemProperty.MessageId: properties.MessageId = text; break;
                case SystemProperty.CorrelationId: properties.CorrelationId = text; break;
                case SystemProperty.Subject: properties.Subject = text; break;
                case SystemProperty.To: properties.To = text; break;
                case SystemProperty.ReplyTo: properties.ReplyTo = text; break;
                case SystemProperty.SessionId: properties.GroupId = text; break;
                case SystemProperty.ReplyToSessionId: properties.ReplyToGroupId = text; break;
                case SystemProperty.ContentType: properties.ContentType = text is null ? null : (AmqpSymbol?)new AmqpSymbol(text); break;
                default: throw new InvalidOperationException($"The system property {property} is not one a rule action sets.");
            }
        }
        return properties is null ? null : WithProperties(body, sections, properties);
    }

    /// <summary>What goes in front of the stored sections on delivery: header with the delivery count, broker annotations.</summary>
    public static (Header Header, BrokerAnnotations Annotations, AmqpMap? ApplicationProperties) DeliveryParts(BrokerMessage message,
        ReadOnlySpan<byte> body, in MessageSections sections)
    {
        var header = sections.Header.IsPresent ? Header.Decode(sections.Header.Slice(body)) : new Header { Durable = true };
        header.DeliveryCount = (uint)message.DeliveryCount;
        var annotations = new BrokerAnnotations
        {
            SequenceNumber = message.SequenceNumber,
            EnqueuedTime = message.EnqueuedTime,
            LockedUntil = message.LockedUntil,
            MessageState = (int)message.State,
            DeadLetterSource = message.DeadLetterSource,
        };
        if (message.ScheduledEnqueueTime is { } scheduled)
            annotations.Additional = new AmqpMap { [ServiceBusAnnotations.ScheduledEnqueueTime] = scheduled };
        if (message.SystemPropertyOverrides is { Count: > 0 } system)
        {
            // A rule action's SET sys.TimeToLive shows as the header's ttl (milliseconds); SET sys.PartitionKey as the
            // annotation the SDKs read it from. The schedule is the entry's own (message.ScheduledEnqueueTime, above).
            ApplyTimeToLive(message, header);
            if (system.TryGetValue(SystemProperty.PartitionKey, out var partitionKey))
                (annotations.Additional ??= [])[ServiceBusAnnotations.PartitionKey] = partitionKey;
            if (system.ContainsKey(SystemProperty.ScheduledEnqueueTimeUtc) && message.ScheduledEnqueueTime is null)
                (annotations.Additional ??= [])[ServiceBusAnnotations.ScheduledEnqueueTime] = null;
        }
        AmqpMap? applicationProperties = null;
        if (message.PropertyOverrides is { Count: > 0 } || message.RemovedProperties is { Count: > 0 })
        {
            applicationProperties = sections.ApplicationProperties.IsPresent
                ? MapSection.Decode(sections.ApplicationProperties.Slice(body))
                : new AmqpMap();
            RemoveRemoved(message, applicationProperties);
            if (message.PropertyOverrides is { } overrides)
            {
                foreach (var (key, value) in overrides)
                    applicationProperties[key] = ToAmqp(value);
            }
        }
        return (header, annotations, applicationProperties);
    }

    /// <summary>The whole delivered message as bytes, for management responses (peek, receive-by-sequence-number).</summary>
    public static byte[] EncodeDelivered(BrokerMessage message, ReadOnlySpan<byte> stored)
    {
        var body = DeliveredSpan(message, stored);
        var sections = MessageSections.Scan(body);
        var (header, annotations, applicationProperties) = DeliveryParts(message, body, sections);
        var output = new ArrayBufferWriter<byte>(body.Length + 256);
        DeliveryWriter.Write(output, body, sections, header, annotations, applicationProperties);
        return output.WrittenSpan.ToArray();
    }

    private static object? ToAmqp(object? value) => value switch
    {
        DateTime dt => new DateTimeOffset(dt.ToUniversalTime(), TimeSpan.Zero),
        TimeSpan ts => ts.Ticks,
        char c => new Rune(c),
        _ => value,
    };

    /// <summary>
    /// Properties to modify (modified.message-annotations, rejected.error.info) as broker property values: symbol keys
    /// become strings, symbol values strings. Null when there are none.
    /// </summary>
    /// <exception cref="BrokerException">InvalidArgument for a value no message property can hold (list, map, described).</exception>
    public static Dictionary<string, object?>? ToProperties(AmqpMap? map)
    {
        if (map is null || map.Count == 0)
            return null;
        var result = new Dictionary<string, object?>(map.Count, StringComparer.Ordinal);
        foreach (var (key, value) in map)
        {
            var name = key switch
            {
                string s => s,
                AmqpSymbol symbol => symbol.Value,
                _ => throw new BrokerException(BrokerErrorCode.InvalidArgument, $"A property key of type {key?.GetType().Name ?? "null"} is not a string."),
            };
            result[name] = value switch
            {
                AmqpSymbol symbol => symbol.Value,
                Rune rune => rune.ToString(),
                null or string or bool or byte or sbyte or short or ushort or int or uint or long or ulong or float or double or DateTimeOffset or Guid
                    or byte[] => value,
                _ => throw new BrokerException(BrokerErrorCode.InvalidArgument,
                    $"The property '{name}' has a value of AMQP type {value.GetType().Name}, which an application property cannot hold."),
            };
        }
        return result;
    }

    /// <summary>The dead-letter reason, description and other properties from a rejected outcome's error info (reference §5.1).</summary>
    public static (string? Reason, string? Description, Dictionary<string, object?>? Properties) ReadDeadLetterInfo(AmqpError? error)
    {
        var properties = ToProperties(error?.Info);
        string? reason = null, description = null;
        if (properties is not null)
        {
            if (properties.Remove(DeadLetterReasons.ReasonProperty, out var r))
                reason = r?.ToString();
            if (properties.Remove(DeadLetterReasons.DescriptionProperty, out var d))
                description = d?.ToString();
            if (properties.Count == 0)
                properties = null;
        }
        return (reason, description, properties);
    }
}
