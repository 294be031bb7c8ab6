using System.Buffers;
using System.Buffers.Binary;

namespace Ferry.Amqp;

/// <summary>
/// Splits a byte stream into frames (AMQP 1.0 §2.3.1, SASL §5.3.1). Stateless and allocation-free.
/// </summary>
/// <remarks>
/// Frame layout (§2.3.1, figure 2.14), all integers in network order:
/// <code>
///  0               4      5      6              8                 4*DOFF              SIZE
///  +---------------+------+------+--------------+-------------------+------------------+
///  |     SIZE      | DOFF | TYPE |   CHANNEL    |  extended header  |    frame body    |
///  |   uint32 BE   | ubyte| ubyte| ushort BE    |  (DOFF*4-8 bytes) | (SIZE-4*DOFF)    |
///  +---------------+------+------+--------------+-------------------+------------------+
///  SIZE counts the whole frame including these 8 bytes; DOFF is in 4-byte words and is at least 2.
///  TYPE 0x00 = AMQP (CHANNEL is the channel), 0x01 = SASL (CHANNEL ignored).
///  A frame of exactly 8 bytes has no body: an empty frame, used as a heartbeat (§2.4.5).
/// </code>
/// The size is validated (SIZE ≥ 8, DOFF ≥ 2, 4*DOFF ≤ SIZE, SIZE ≤ max-frame-size) from the 8 header bytes
/// alone, before waiting for or slicing the body, so a hostile size never makes the caller buffer more than
/// <c>maxFrameSize</c> bytes.
/// </remarks>
public static class FrameReader
{
    public const int HeaderSize = 8;

    /// <summary>
    /// Reads one complete frame from the front of <paramref name="buffer"/> and advances it past the frame.
    /// Returns false, consuming nothing, when the frame is not complete yet.
    /// </summary>
    /// <param name="buffer">Received bytes; on success, advanced past the frame.</param>
    /// <param name="maxFrameSize">The largest frame this side accepts (its open's max-frame-size; 512 before open, §2.4.1).</param>
    /// <param name="frame">The frame; its body is a slice of <paramref name="buffer"/>.</param>
    /// <exception cref="AmqpDecodeException">
    /// Condition <c>amqp:connection:framing-error</c>: SIZE below 8, DOFF below 2, DOFF past SIZE, SIZE above
    /// <paramref name="maxFrameSize"/>, or an unknown frame type.
    /// </exception>
    public static bool TryReadFrame(ref ReadOnlySequence<byte> buffer, uint maxFrameSize, out Frame frame)
    {
        frame = default;
        if (buffer.Length < HeaderSize)
        {
            return false;
        }

        Span<byte> header = stackalloc byte[HeaderSize];
        if (buffer.FirstSpan.Length >= HeaderSize)
        {
            buffer.FirstSpan[..HeaderSize].CopyTo(header);
        }
        else
        {
            buffer.Slice(0, HeaderSize).CopyTo(header);
        }

        uint size = BinaryPrimitives.ReadUInt32BigEndian(header);
        byte doff = header[4];
        byte type = header[5];
        ushort channel = BinaryPrimitives.ReadUInt16BigEndian(header[6..]);

        if (size < HeaderSize)
        {
            throw new AmqpDecodeException(AmqpErrorCode.FramingError, $"Frame size {size} is smaller than the 8-byte frame header (AMQP 1.0 §2.3.1).");
        }

        if (size > maxFrameSize)
        {
            throw new AmqpDecodeException(AmqpErrorCode.FramingError, $"Frame size {size} exceeds the negotiated max-frame-size {maxFrameSize} (AMQP 1.0 §2.7.1).");
        }

        if (doff < 2)
        {
            throw new AmqpDecodeException(AmqpErrorCode.FramingError, $"Data offset {doff} is below the minimum of 2 (AMQP 1.0 §2.3.1).");
        }

        if (doff * 4u > size)
        {
            throw new AmqpDecodeException(AmqpErrorCode.FramingError, $"Data offset {doff} points past the end of a {size}-byte frame (AMQP 1.0 §2.3.1).");
        }

        if (type > (byte)FrameType.Sasl)
        {
            throw new AmqpDecodeException(AmqpErrorCode.FramingError, $"Unknown frame type 0x{type:X2} (AMQP 1.0 §2.3.1).");
        }

        if (buffer.Length < size)
        {
            return false;
        }

        var body = buffer.Slice(doff * 4, size - (doff * 4u));
        frame = new Frame((FrameType)type, type == (byte)FrameType.Sasl ? (ushort)0 : channel, body);
        buffer = buffer.Slice(size);
        return true;
    }
}
