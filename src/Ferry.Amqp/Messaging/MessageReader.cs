namespace Ferry.Amqp;

/// <summary>
/// Reads single fields out of an encoded message without decoding whole sections: the lookups a broker makes on
/// every send (message-id, group-id, ttl, scheduled enqueue time). Take the <see cref="MessageSections"/> from
/// <see cref="MessageSections.Scan(ReadOnlySpan{byte})"/> over the same bytes.
/// </summary>
/// <remarks>All methods throw <see cref="AmqpDecodeException"/> when the field they read is malformed.</remarks>
public static class MessageReader
{
    private const int MessageIdField = 0;
    private const int GroupIdField = 10;
    private const int TtlField = 2;

    /// <summary>properties.message-id as <see cref="string"/>, <see cref="Guid"/>, <see cref="ulong"/> or byte[]; null if absent.</summary>
    public static object? GetMessageId(ReadOnlySpan<byte> message, in MessageSections sections)
    {
        if (!TryGetListField(sections.Properties.Slice(message), MessageIdField, out var reader))
        {
            return null;
        }

        return reader.PeekFormatCode() switch
        {
            FormatCode.String8 or FormatCode.String32 => reader.ReadString(),
            FormatCode.Uuid => reader.ReadUuid(),
            FormatCode.ULong or FormatCode.SmallULong or FormatCode.ULong0 => reader.ReadULong(),
            FormatCode.Binary8 or FormatCode.Binary32 => reader.ReadBinary().ToArray(),
            _ => reader.ReadValue(),
        };
    }

    /// <summary>properties.group-id (the Service Bus session id); null if absent.</summary>
    public static string? GetGroupId(ReadOnlySpan<byte> message, in MessageSections sections) =>
        TryGetListField(sections.Properties.Slice(message), GroupIdField, out var reader) ? reader.ReadString() : null;

    /// <summary>header.ttl in milliseconds; null if absent.</summary>
    public static uint? GetTtl(ReadOnlySpan<byte> message, in MessageSections sections) =>
        TryGetListField(sections.Header.Slice(message), TtlField, out var reader) ? reader.ReadUInt() : null;

    /// <summary>The <c>x-opt-scheduled-enqueue-time</c> message annotation; null if absent or null.</summary>
    public static DateTimeOffset? GetScheduledEnqueueTime(ReadOnlySpan<byte> message, in MessageSections sections)
    {
        if (!TryGetMessageAnnotation(message, sections, ServiceBusAnnotations.ScheduledEnqueueTimeUtf8, out var encoded))
        {
            return null;
        }

        var reader = new AmqpReader(encoded);
        return reader.TryReadNull() ? null : reader.ReadTimestamp();
    }

    /// <summary>Finds a message annotation by symbol key; <paramref name="encodedValue"/> is the value's encoded bytes.</summary>
    public static bool TryGetMessageAnnotation(ReadOnlySpan<byte> message, in MessageSections sections, ReadOnlySpan<byte> asciiKey, out ReadOnlySpan<byte> encodedValue) =>
        TryGetMapValue(sections.MessageAnnotations.Slice(message), asciiKey, out encodedValue);

    /// <summary>Finds a symbol- or string-keyed entry in an encoded map section (descriptor included).</summary>
    public static bool TryGetMapValue(ReadOnlySpan<byte> mapSection, ReadOnlySpan<byte> asciiKey, out ReadOnlySpan<byte> encodedValue)
    {
        encodedValue = default;
        if (mapSection.IsEmpty)
        {
            return false;
        }

        var reader = new AmqpReader(mapSection);
        reader.ReadDescriptorCode();
        if (reader.TryReadNull())
        {
            return false;
        }

        var map = reader.ReadMap(out int entries);
        for (int i = 0; i < entries; i++)
        {
            bool match = map.PeekFormatCode() switch
            {
                FormatCode.Symbol8 or FormatCode.Symbol32 => map.ReadSymbolAscii().SequenceEqual(asciiKey),
                FormatCode.String8 or FormatCode.String32 => map.ReadStringUtf8().SequenceEqual(asciiKey),
                _ => SkipFalse(ref map),
            };
            if (match)
            {
                encodedValue = map.ReadEncodedValue();
                return true;
            }

            map.SkipValue();
        }

        return false;
    }

    /// <summary>Positions a reader at field <paramref name="index"/> of an encoded list section (descriptor included).
    /// False when the section is absent, shorter than the index, or the field is null.</summary>
    public static bool TryGetListField(ReadOnlySpan<byte> listSection, int index, out AmqpReader field)
    {
        field = default;
        if (listSection.IsEmpty)
        {
            return false;
        }

        var reader = new AmqpReader(listSection);
        reader.ReadDescriptorCode();
        if (reader.TryReadNull())
        {
            return false;
        }

        var list = reader.ReadList(out int count);
        if (index >= count)
        {
            return false;
        }

        for (int i = 0; i < index; i++)
        {
            list.SkipValue();
        }

        if (list.TryReadNull())
        {
            return false;
        }

        field = list;
        return true;
    }

    private static bool SkipFalse(ref AmqpReader reader)
    {
        reader.SkipValue();
        return false;
    }
}
