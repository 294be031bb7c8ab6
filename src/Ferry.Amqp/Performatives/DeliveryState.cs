namespace Ferry.Amqp;

/// <summary>
/// A delivery state (AMQP 1.0 §2.8.7): <see cref="Received"/>, one of the outcomes of §3.4
/// (<see cref="Accepted"/>, <see cref="Rejected"/>, <see cref="Released"/>, <see cref="Modified"/>), or one of the
/// transaction states of §4.5 (<see cref="Declared"/>, <see cref="TransactionalState"/>).
/// </summary>
public abstract class DeliveryState : IAmqpComposite
{
    public abstract ulong DescriptorCode { get; }

    public abstract void Encode(ref AmqpWriter writer);

    /// <summary>Reads a described delivery state, or null when the value is null.</summary>
    /// <exception cref="AmqpDecodeException">Malformed (a transactional state without a txn-id, or whose outcome is
    /// itself a transaction state), or an unknown descriptor (condition <c>amqp:not-implemented</c>).</exception>
    public static DeliveryState? Decode(ref AmqpReader reader) => Decode(ref reader, nested: false);

    private static DeliveryState? Decode(ref AmqpReader reader, bool nested)
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

            case Descriptor.Declared when !nested:
            {
                if (!f.NextField(ref n))
                    throw new AmqpDecodeException("The declared outcome has no txn-id (AMQP 1.0 §4.5.4).");
                return new Declared(FieldReader.ReadBinary(ref f));
            }

            case Descriptor.TransactionalState when !nested:
            {
                // list [ txn-id: binary (mandatory), outcome: * ] (§4.5.5); the outcome is one of §3.4, never nested.
                if (!f.NextField(ref n))
                    throw new AmqpDecodeException("The transactional-state has no txn-id (AMQP 1.0 §4.5.5).");
                var state = new TransactionalState { TxnId = FieldReader.ReadBinary(ref f) };
                if (n > 0)
                {
                    n--;
                    state.Outcome = Decode(ref f, nested: true);
                }

                return state;
            }

            case Descriptor.Declared or Descriptor.TransactionalState:
                throw new AmqpDecodeException("A transactional-state's outcome must be an outcome of AMQP 1.0 §3.4, not a transaction state.");

            default:
                throw new AmqpDecodeException(AmqpErrorCode.NotImplemented, $"Unsupported delivery state descriptor 0x{code:X}.");
        }
    }
}
