using System.Buffers;

namespace Ferry.Amqp;

/// <summary>One-call helpers over <see cref="AmqpWriter"/> and <see cref="AmqpReader"/> for the generic object model.</summary>
public static class AmqpEncoder
{
    /// <summary>Encodes a value and appends it to <paramref name="output"/> (for example a PipeWriter); returns the byte count.</summary>
    /// <exception cref="ArgumentException">The value has no AMQP encoding.</exception>
    public static int Encode(object? value, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var writer = new AmqpWriter(stackalloc byte[256]);
        try
        {
            writer.WriteValue(value);
            writer.CopyTo(output);
            return writer.Length;
        }
        finally
        {
            writer.Dispose();
        }
    }

    public static byte[] Encode(object? value)
    {
        var writer = new AmqpWriter(stackalloc byte[256]);
        try
        {
            writer.WriteValue(value);
            return writer.ToArray();
        }
        finally
        {
            writer.Dispose();
        }
    }

    /// <summary>Decodes exactly one value; trailing bytes throw <see cref="AmqpDecodeException"/>.</summary>
    public static object? Decode(ReadOnlySpan<byte> encoded)
    {
        var reader = new AmqpReader(encoded);
        object? value = reader.ReadValue();
        if (!reader.IsEnd)
        {
            throw new AmqpDecodeException("Unexpected bytes after the value.");
        }

        return value;
    }

    /// <summary>Decodes exactly one value from a possibly multi-segment sequence (copied to one buffer if it spans segments).</summary>
    public static object? Decode(in ReadOnlySequence<byte> encoded)
    {
        if (encoded.IsSingleSegment)
        {
            return Decode(encoded.FirstSpan);
        }

        byte[] rented = ArrayPool<byte>.Shared.Rent(checked((int)encoded.Length));
        try
        {
            encoded.CopyTo(rented);
            return Decode(rented.AsSpan(0, (int)encoded.Length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }
}
