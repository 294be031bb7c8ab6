using System.Buffers;

namespace Ferry.Amqp;

/// <summary>
/// A frame body's performative: the nine AMQP performatives (AMQP 1.0 §2.7) and the five SASL frames (§5.3.3).
/// Encoding omits trailing fields that are null or at their default; decoding accepts lists shorter than the
/// field count (missing fields take their defaults) and ignores extra fields, and accepts numeric or symbolic
/// descriptors.
/// </summary>
public abstract class Performative : IAmqpComposite
{
    public abstract ulong DescriptorCode { get; }

    public abstract void Encode(ref AmqpWriter writer);

    /// <summary>Decodes the performative at the reader's position.</summary>
    /// <exception cref="AmqpDecodeException">Malformed, or not a performative (condition <c>amqp:decode-error</c>).</exception>
    public static Performative Decode(ref AmqpReader reader) => Decode(ref reader, null);

    /// <summary>
    /// Decodes the performative at the reader's position; a transfer or disposition is decoded into
    /// <paramref name="reuse"/>'s instance (when given) instead of a new one.
    /// </summary>
    /// <exception cref="AmqpDecodeException">Malformed, or not a performative (condition <c>amqp:decode-error</c>).</exception>
    public static Performative Decode(ref AmqpReader reader, ReusablePerformatives? reuse)
    {
        ulong code = reader.ReadDescriptorCode();
        var fields = reader.ReadList(out int count);
        return code switch
        {
            Descriptor.Open => Open.DecodeFields(ref fields, count),
            Descriptor.Begin => Begin.DecodeFields(ref fields, count),
            Descriptor.Attach => Attach.DecodeFields(ref fields, count),
            Descriptor.Flow => Flow.DecodeFields(ref fields, count),
            Descriptor.Transfer => Transfer.DecodeFields(ref fields, count, reuse?.Transfer),
            Descriptor.Disposition => Disposition.DecodeFields(ref fields, count, reuse?.Disposition),
            Descriptor.Detach => Detach.DecodeFields(ref fields, count),
            Descriptor.End => End.DecodeFields(ref fields, count),
            Descriptor.Close => Close.DecodeFields(ref fields, count),
            Descriptor.SaslMechanisms => SaslMechanisms.DecodeFields(ref fields, count),
            Descriptor.SaslInit => SaslInit.DecodeFields(ref fields, count),
            Descriptor.SaslChallenge => SaslChallenge.DecodeFields(ref fields, count),
            Descriptor.SaslResponse => SaslResponse.DecodeFields(ref fields, count),
            Descriptor.SaslOutcome => SaslOutcome.DecodeFields(ref fields, count),
            _ => throw FieldReader.UnknownDescriptor(code, "performative"),
        };
    }

    /// <summary>Decodes the performative at the start of <paramref name="encoded"/>; anything after
    /// <paramref name="performativeLength"/> bytes is payload.</summary>
    public static Performative Decode(ReadOnlySpan<byte> encoded, out int performativeLength) => Decode(encoded, out performativeLength, null);

    /// <summary>
    /// As <see cref="Decode(ReadOnlySpan{byte}, out int)"/>; a transfer or disposition is decoded into
    /// <paramref name="reuse"/>'s instance (when given) instead of a new one.
    /// </summary>
    public static Performative Decode(ReadOnlySpan<byte> encoded, out int performativeLength, ReusablePerformatives? reuse)
    {
        var reader = new AmqpReader(encoded);
        var performative = Decode(ref reader, reuse);
        performativeLength = reader.Position;
        return performative;
    }

    /// <summary>
    /// Decodes the performative at the start of a frame body. <paramref name="payload"/> receives the bytes after
    /// it — a transfer's message data — as a slice of <paramref name="body"/>, never a copy. When the
    /// performative itself straddles segments, only its bytes (bounded by the frame size) are copied.
    /// </summary>
    /// <exception cref="AmqpDecodeException">The body is empty, malformed, or not a performative.</exception>
    public static Performative Decode(in ReadOnlySequence<byte> body, out ReadOnlySequence<byte> payload) => Decode(body, out payload, null);

    /// <summary>
    /// As <see cref="Decode(in ReadOnlySequence{byte}, out ReadOnlySequence{byte})"/>; a transfer or disposition is
    /// decoded into <paramref name="reuse"/>'s instance (when given) instead of a new one.
    /// </summary>
    public static Performative Decode(in ReadOnlySequence<byte> body, out ReadOnlySequence<byte> payload, ReusablePerformatives? reuse)
    {
        if (body.IsEmpty)
        {
            throw new AmqpDecodeException(AmqpErrorCode.FramingError, "An empty frame has no performative.");
        }

        var first = body.FirstSpan;
        if (body.IsSingleSegment)
        {
            var p = Decode(first, out int length, reuse);
            payload = body.Slice(length);
            return p;
        }

        // Find the performative's length from its first bytes, then copy just that much.
        Span<byte> prefix = stackalloc byte[64];
        int prefixLength = (int)Math.Min(prefix.Length, body.Length);
        body.Slice(0, prefixLength).CopyTo(prefix);
        int total = PerformativeLength(prefix[..prefixLength], body);
        byte[] rented = ArrayPool<byte>.Shared.Rent(total);
        try
        {
            body.Slice(0, total).CopyTo(rented);
            var p = Decode(rented.AsSpan(0, total), out int length, reuse);
            if (length != total)
            {
                throw new AmqpDecodeException("Inconsistent performative length.");
            }

            payload = body.Slice(total);
            return p;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    // The performative's declared length from its first bytes; a symbolic descriptor too long for the prefix
    // falls back to measuring over a copy of the body (bounded by the frame size).
    private static int PerformativeLength(ReadOnlySpan<byte> prefix, in ReadOnlySequence<byte> body)
    {
        if (!AmqpReader.TryGetDeclaredLength(prefix, out long declared))
        {
            if (body.Length <= prefix.Length)
            {
                throw AmqpReader.Truncated();
            }

            return AmqpReader.GetEncodedLength(body.ToArray());
        }

        return declared <= body.Length ? (int)declared : throw AmqpReader.Truncated();
    }
}
