namespace Ferry.Amqp;

/// <summary>
/// A delivery state (AMQP 1.0 §2.8.7): <see cref="Received"/> or one of the outcomes of §3.4
/// (<see cref="Accepted"/>, <see cref="Rejected"/>, <see cref="Released"/>, <see cref="Modified"/>).
/// </summary>
public abstract class DeliveryState : IAmqpComposite
{
    public abstract ulong DescriptorCode { get; }

    public abstract void Encode(ref AmqpWriter writer);

    /// <summary>Reads a described delivery state, or null when the value is null.</summary>
    /// <exception cref="AmqpDecodeException">Malformed, or a state Ferry does not implement (transactional states,
    /// condition <c>amqp:not-implemented</c>).</exception>
    public static DeliveryState? Decode(ref AmqpReader reader)
    {
        if (reader.TryReadNull())
        {
            return null;
        }

        ulong code = reader.ReadDescriptorCode();
        var f = reader.ReadList(out int n);
        switch (code)
        {
            case Descriptor.Accepted:
                return Accepted.Instance;
            case Descriptor.Released:
                return Released.Instance;
            case Descriptor.Received:
            {
                var state = new Received();
                if (f.NextField(ref n)) state.SectionNumber = f.ReadUInt();
                if (f.NextField(ref n)) state.SectionOffset = f.ReadULong();
                return state;
            }

            case Descriptor.Rejected:
            {
                var state = new Rejected();
                if (n > 0)
                {
                    n--;
                    state.Error = AmqpError.Decode(ref f);
                }

                return state;
            }

            case Descriptor.Modified:
            {
                var state = new Modified();
                if (f.NextField(ref n)) state.DeliveryFailed = f.ReadBoolean();
                if (f.NextField(ref n)) state.UndeliverableHere = f.ReadBoolean();
                if (f.NextField(ref n)) state.MessageAnnotations = FieldReader.ReadMap(ref f);
                return state;
            }

            default:
                throw new AmqpDecodeException(AmqpErrorCode.NotImplemented, $"Unsupported delivery state descriptor 0x{code:X}.");
        }
    }
}
