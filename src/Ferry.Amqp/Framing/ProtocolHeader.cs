using System.Buffers;

namespace Ferry.Amqp;

/// <summary>
/// The 8-byte protocol header that opens each layer of an AMQP connection (AMQP 1.0 §2.2, §5.1):
/// <c>'A' 'M' 'Q' 'P' protocol-id major minor revision</c>, where protocol-id is 0 for AMQP, 2 for TLS and 3 for SASL.
/// </summary>
public readonly record struct ProtocolHeader(byte ProtocolId, byte Major, byte Minor, byte Revision)
{
    public const int Size = 8;

    public static ProtocolHeader Amqp => new(0, 1, 0, 0);

    public static ProtocolHeader Tls => new(2, 1, 0, 0);

    public static ProtocolHeader Sasl => new(3, 1, 0, 0);

    /// <summary>
    /// Reads a protocol header once 8 bytes are buffered and advances <paramref name="buffer"/> past it; returns
    /// false (consuming nothing) when fewer are available. Bytes that do not start with "AMQP" throw
    /// <see cref="AmqpDecodeException"/> with condition <c>amqp:connection:framing-error</c>; any version is
    /// returned as read, and the caller answers an unsupported one with its own header (§2.2).
    /// </summary>
    public static bool TryRead(ref ReadOnlySequence<byte> buffer, out ProtocolHeader header)
    {
        if (buffer.Length < Size)
        {
            header = default;
            return false;
        }

        Span<byte> bytes = stackalloc byte[Size];
        buffer.Slice(0, Size).CopyTo(bytes);
        if (!bytes[..4].SequenceEqual("AMQP"u8))
        {
            throw new AmqpDecodeException(AmqpErrorCode.FramingError, "The peer did not send an AMQP protocol header.");
        }

        header = new ProtocolHeader(bytes[4], bytes[5], bytes[6], bytes[7]);
        buffer = buffer.Slice(Size);
        return true;
    }

    public void WriteTo(IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var span = output.GetSpan(Size);
        "AMQP"u8.CopyTo(span);
        span[4] = ProtocolId;
        span[5] = Major;
        span[6] = Minor;
        span[7] = Revision;
        output.Advance(Size);
    }
}
