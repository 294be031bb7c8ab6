using System.Buffers;

namespace Ferry.Amqp;

/// <summary>
/// Builds the message a broker delivers from the bytes it stored: a new header section, a message-annotations
/// section that merges the stored sender annotations with <see cref="BrokerAnnotations"/>, then the stored
/// properties, application-properties (or a re-encoded replacement), body and footer copied as raw bytes.
/// Stored header and delivery-annotations are dropped (delivery-annotations are for one hop, AMQP 1.0 §3.2.2).
/// </summary>
/// <remarks>
/// Only the header and message annotations are encoded; sender annotations are copied entry by entry as raw
/// bytes unless a broker key replaces them. The stored bytes are only read.
/// </remarks>
public static class DeliveryWriter
{
    /// <summary>Appends the delivered message to <paramref name="writer"/>.</summary>
    /// <exception cref="AmqpDecodeException">The stored message-annotations section is malformed.</exception>
    public static void Write(ref AmqpWriter writer, ReadOnlySpan<byte> stored, in MessageSections sections, Header header, in BrokerAnnotations annotations, AmqpMap? applicationProperties = null)
    {
        ArgumentNullException.ThrowIfNull(header);
        WritePrefix(ref writer, stored, sections, header, annotations);
        WriteRest(ref writer, stored, sections, applicationProperties);
    }

    /// <summary>Appends the delivered message to <paramref name="output"/>; returns its length.</summary>
    public static int Write(IBufferWriter<byte> output, ReadOnlySpan<byte> stored, in MessageSections sections, Header header, in BrokerAnnotations annotations, AmqpMap? applicationProperties = null)
    {
        ArgumentNullException.ThrowIfNull(output);
        var writer = new AmqpWriter(stackalloc byte[512]);
        try
        {
            Write(ref writer, stored, sections, header, annotations, applicationProperties);
            writer.CopyTo(output);
            return writer.Length;
        }
        finally
        {
            writer.Dispose();
        }
    }

    /// <summary>
    /// Writes the delivered message as the payload of one or more transfer frames (split at
    /// <paramref name="maxFrameSize"/>, the peer's max-frame-size). The stored bytes are copied once, straight into
    /// <paramref name="output"/>: only the new head (header, message annotations and, when replaced, the
    /// application-properties) is encoded apart, however many frames the message takes.
    /// </summary>
    /// <returns>The number of frames written.</returns>
    public static int WriteTransfer(IBufferWriter<byte> output, ushort channel, Transfer transfer, ReadOnlySpan<byte> stored, in MessageSections sections, Header header, in BrokerAnnotations annotations, uint maxFrameSize, AmqpMap? applicationProperties = null)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(transfer);
        ArgumentNullException.ThrowIfNull(header);
        var head = new AmqpWriter(stackalloc byte[256]);
        try
        {
            WritePrefix(ref head, stored, sections, header, annotations);
            var tail = WriteRestHead(ref head, stored, sections, applicationProperties);
            return FrameWriter.WriteTransfer(output, channel, transfer, head.WrittenSpan, tail, maxFrameSize);
        }
        finally
        {
            head.Dispose();
        }
    }

    private static void WritePrefix(ref AmqpWriter writer, ReadOnlySpan<byte> stored, in MessageSections sections, Header header, in BrokerAnnotations annotations)
    {
        header.Encode(ref writer);
        int entries = annotations.Count;
        if (entries == 0 && !sections.MessageAnnotations.IsPresent)
        {
            return;
        }

        writer.WriteDescriptor(Descriptor.MessageAnnotations);
        int token = writer.BeginMap();
        if (sections.MessageAnnotations.IsPresent)
        {
            var reader = new AmqpReader(sections.MessageAnnotations.Slice(stored));
            reader.ReadDescriptorCode();
            if (!reader.TryReadNull())
            {
                var map = reader.ReadMap(out int count);
                for (int i = 0; i < count; i++)
                {
                    var key = map.ReadEncodedValue();
                    var value = map.ReadEncodedValue();
                    if (!IsOverridden(key, annotations))
                    {
                        writer.WriteRaw(key);
                        writer.WriteRaw(value);
                        entries++;
                    }
                }
            }
        }

        annotations.WriteEntries(ref writer);
        writer.EndMap(token, entries);
    }

    private static bool IsOverridden(ReadOnlySpan<byte> encodedKey, in BrokerAnnotations annotations)
    {
        var reader = new AmqpReader(encodedKey);
        return reader.PeekFormatCode() is FormatCode.Symbol8 or FormatCode.Symbol32
            && annotations.Overrides(reader.ReadSymbolAscii());
    }

    private static void WriteRest(ref AmqpWriter writer, ReadOnlySpan<byte> stored, in MessageSections sections, AmqpMap? applicationProperties) =>
        writer.WriteRaw(WriteRestHead(ref writer, stored, sections, applicationProperties));

    /// <summary>
    /// Writes what of the rest (properties .. footer) must be encoded anew — the properties and the replaced
    /// application-properties, when there is a replacement — and returns the stored bytes that follow unchanged.
    /// </summary>
    private static ReadOnlySpan<byte> WriteRestHead(ref AmqpWriter writer, ReadOnlySpan<byte> stored, in MessageSections sections, AmqpMap? applicationProperties)
    {
        if (applicationProperties is null)
        {
            int start = FirstRestOffset(sections);
            return stored[start..Math.Max(start, sections.Length)];
        }

        if (sections.Properties.IsPresent)
        {
            writer.WriteRaw(sections.Properties.Slice(stored));
        }

        writer.WriteDescriptor(Descriptor.ApplicationProperties);
        writer.WriteMap(applicationProperties);
        int tailStart = sections.Body.IsPresent ? sections.Body.Offset : sections.Footer.IsPresent ? sections.Footer.Offset : sections.Length;
        return stored[tailStart..Math.Max(tailStart, sections.Length)];
    }

    // properties .. footer are contiguous in a scanned message (sections are in §3.2 order).
    private static int FirstRestOffset(in MessageSections s)
    {
        if (s.Properties.IsPresent) return s.Properties.Offset;
        if (s.ApplicationProperties.IsPresent) return s.ApplicationProperties.Offset;
        if (s.Body.IsPresent) return s.Body.Offset;
        if (s.Footer.IsPresent) return s.Footer.Offset;
        return s.Length;
    }
}
