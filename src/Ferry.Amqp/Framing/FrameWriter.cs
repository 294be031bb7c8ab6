using System.Buffers;
using System.Buffers.Binary;

namespace Ferry.Amqp;

/// <summary>
/// Writes frames (AMQP 1.0 §2.3.1) into an <see cref="IBufferWriter{T}"/> such as a PipeWriter. Each call appends
/// complete frames and never flushes; the caller flushes once per batch of frames. Frames are written with
/// DOFF = 2 (no extended header). <see cref="WriteFrame(IBufferWriter{byte}, FrameType, ushort, IAmqpComposite, ReadOnlySpan{byte})"/>
/// does not check the peer's max-frame-size; send payloads that may exceed it with <c>WriteTransfer</c>.
/// </summary>
public static class FrameWriter
{
    // Performatives are small; the writer moves to a pooled buffer for the rare large attach or open.
    private const int PerformativeStackBuffer = 256;

    /// <summary>Writes an empty frame (8 bytes, no body): the heartbeat of §2.4.5.</summary>
    public static void WriteEmptyFrame(IBufferWriter<byte> output, ushort channel = 0)
    {
        ArgumentNullException.ThrowIfNull(output);
        var span = output.GetSpan(FrameReader.HeaderSize);
        WriteHeader(span, FrameReader.HeaderSize, FrameType.Amqp, channel);
        output.Advance(FrameReader.HeaderSize);
    }

    /// <summary>Writes one frame holding <paramref name="performative"/> followed by <paramref name="payload"/>.</summary>
    /// <returns>The frame size in bytes.</returns>
    public static int WriteFrame(IBufferWriter<byte> output, FrameType type, ushort channel, IAmqpComposite performative, ReadOnlySpan<byte> payload = default)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(performative);
        var writer = new AmqpWriter(stackalloc byte[PerformativeStackBuffer]);
        try
        {
            performative.Encode(ref writer);
            int size = checked(FrameReader.HeaderSize + writer.Length + payload.Length);
            var span = output.GetSpan(FrameReader.HeaderSize + writer.Length);
            WriteHeader(span, (uint)size, type, channel);
            writer.WrittenSpan.CopyTo(span[FrameReader.HeaderSize..]);
            output.Advance(FrameReader.HeaderSize + writer.Length);
            if (!payload.IsEmpty)
            {
                output.Write(payload);
            }

            return size;
        }
        finally
        {
            writer.Dispose();
        }
    }

    /// <summary>Writes one frame holding <paramref name="performative"/> followed by a multi-segment payload.</summary>
    public static int WriteFrame(IBufferWriter<byte> output, FrameType type, ushort channel, IAmqpComposite performative, in ReadOnlySequence<byte> payload)
    {
        if (payload.IsSingleSegment)
        {
            return WriteFrame(output, type, channel, performative, payload.FirstSpan);
        }

        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(performative);
        var writer = new AmqpWriter(stackalloc byte[PerformativeStackBuffer]);
        try
        {
            performative.Encode(ref writer);
            int size = checked(FrameReader.HeaderSize + writer.Length + (int)payload.Length);
            var span = output.GetSpan(FrameReader.HeaderSize + writer.Length);
            WriteHeader(span, (uint)size, type, channel);
            writer.WrittenSpan.CopyTo(span[FrameReader.HeaderSize..]);
            output.Advance(FrameReader.HeaderSize + writer.Length);
            foreach (var segment in payload)
            {
                output.Write(segment.Span);
            }

            return size;
        }
        finally
        {
            writer.Dispose();
        }
    }

    /// <summary>
    /// Writes a delivery as one or more transfer frames no larger than <paramref name="maxFrameSize"/> (the
    /// peer's max-frame-size), setting <c>more</c> on all but the last (AMQP 1.0 §2.6.14). The transfer's fields
    /// repeat on every frame. <paramref name="transfer"/>.More is restored before returning.
    /// </summary>
    /// <returns>The number of frames written.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxFrameSize"/> leaves no room for payload.</exception>
    public static int WriteTransfer(IBufferWriter<byte> output, ushort channel, Transfer transfer, ReadOnlySpan<byte> payload, uint maxFrameSize) =>
        WriteTransfer(output, channel, transfer, payload, default, maxFrameSize);

    /// <summary>
    /// Writes a delivery whose payload is <paramref name="head"/> followed by <paramref name="tail"/> as one or more
    /// transfer frames, as <see cref="WriteTransfer(IBufferWriter{byte}, ushort, Transfer, ReadOnlySpan{byte}, uint)"/>
    /// does, copying each byte once, straight into <paramref name="output"/>: a broker's delivery is a small new head
    /// (header, annotations) in front of the stored bytes, and a large one need not be assembled before it is framed.
    /// The performative is encoded twice at most (once as given, once with <c>more</c> set), not once per frame.
    /// </summary>
    /// <returns>The number of frames written.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxFrameSize"/> leaves no room for payload.</exception>
    public static int WriteTransfer(IBufferWriter<byte> output, ushort channel, Transfer transfer, ReadOnlySpan<byte> head, ReadOnlySpan<byte> tail,
        uint maxFrameSize)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(transfer);
        bool originalMore = transfer.More;
        var last = new AmqpWriter(stackalloc byte[PerformativeStackBuffer]);
        var more = new AmqpWriter(stackalloc byte[PerformativeStackBuffer]);
        try
        {
            long payloadLength = (long)head.Length + tail.Length;
            transfer.Encode(ref last);
            if (FrameReader.HeaderSize + last.Length + payloadLength <= maxFrameSize)
            {
                WriteTransferFrame(output, channel, last.WrittenSpan, head, tail);
                return 1;
            }

            // Every frame but the last says more=true; the last goes out as the caller gave it. Encoding more=true is
            // never shorter than more=false, so the room computed with it holds for the last frame too.
            transfer.More = true;
            transfer.Encode(ref more);
            transfer.More = originalMore;
            long room = Math.Min(maxFrameSize, int.MaxValue) - (long)(FrameReader.HeaderSize + more.Length);
            if (room <= 0)
            {
                throw new ArgumentOutOfRangeException(nameof(maxFrameSize), "The frame size leaves no room for transfer payload.");
            }

            int frames = 0;
            while ((long)head.Length + tail.Length > room)
            {
                int fromHead = (int)Math.Min(head.Length, room);
                int fromTail = (int)room - fromHead;
                WriteTransferFrame(output, channel, more.WrittenSpan, head[..fromHead], tail[..fromTail]);
                head = head[fromHead..];
                tail = tail[fromTail..];
                frames++;
            }

            WriteTransferFrame(output, channel, last.WrittenSpan, head, tail);
            return frames + 1;
        }
        finally
        {
            transfer.More = originalMore;
            last.Dispose();
            more.Dispose();
        }
    }

    private static void WriteTransferFrame(IBufferWriter<byte> output, ushort channel, ReadOnlySpan<byte> performative, ReadOnlySpan<byte> head,
        ReadOnlySpan<byte> tail)
    {
        WriteFramePrefix(output, FrameType.Amqp, channel, performative, head.Length + tail.Length);
        if (!head.IsEmpty)
        {
            output.Write(head);
        }

        if (!tail.IsEmpty)
        {
            output.Write(tail);
        }
    }

    // Frame header and an encoded performative for a payload the caller writes next.
    internal static void WriteFramePrefix(IBufferWriter<byte> output, FrameType type, ushort channel, ReadOnlySpan<byte> performative, int payloadLength)
    {
        int size = checked(FrameReader.HeaderSize + performative.Length + payloadLength);
        var span = output.GetSpan(FrameReader.HeaderSize + performative.Length);
        WriteHeader(span, (uint)size, type, channel);
        performative.CopyTo(span[FrameReader.HeaderSize..]);
        output.Advance(FrameReader.HeaderSize + performative.Length);
    }

    private static void WriteHeader(Span<byte> span, uint size, FrameType type, ushort channel)
    {
        BinaryPrimitives.WriteUInt32BigEndian(span, size);
        span[4] = 2;
        span[5] = (byte)type;
        BinaryPrimitives.WriteUInt16BigEndian(span[6..], type == FrameType.Sasl ? (ushort)0 : channel);
    }
}
