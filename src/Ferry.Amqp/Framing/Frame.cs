using System.Buffers;

namespace Ferry.Amqp;

/// <summary>
/// One frame read by <see cref="FrameReader"/> (AMQP 1.0 §2.3). <see cref="Body"/> is a slice of the caller's
/// input buffer, not a copy: it is valid only until the caller advances or releases that buffer (for a
/// PipeReader, until <c>AdvanceTo</c>). An empty body is a heartbeat (§2.4.5).
/// </summary>
public readonly struct Frame
{
    public Frame(FrameType type, ushort channel, ReadOnlySequence<byte> body)
    {
        Type = type;
        Channel = channel;
        Body = body;
    }

    public FrameType Type { get; }

    /// <summary>The channel; always 0 for SASL frames, whose type-specific bytes are ignored (§5.3.1).</summary>
    public ushort Channel { get; }

    /// <summary>The frame body after the extended header; the extended header is skipped (§2.3.1).</summary>
    public ReadOnlySequence<byte> Body { get; }

    public bool IsEmpty => Body.IsEmpty;

    /// <summary>Decodes the performative at the start of the body; <paramref name="payload"/> is the rest of the body
    /// (a transfer's message bytes), sliced, not copied.</summary>
    /// <exception cref="AmqpDecodeException">The body does not hold a known, well-formed performative.</exception>
    public Performative ReadPerformative(out ReadOnlySequence<byte> payload) => Performative.Decode(Body, out payload);

    /// <summary>
    /// As <see cref="ReadPerformative(out ReadOnlySequence{byte})"/>, but a transfer or disposition is decoded into
    /// <paramref name="reuse"/>'s instance: valid until the next decode with it (see <see cref="ReusablePerformatives"/>).
    /// </summary>
    public Performative ReadPerformative(out ReadOnlySequence<byte> payload, ReusablePerformatives reuse) =>
        Performative.Decode(Body, out payload, reuse);
}
