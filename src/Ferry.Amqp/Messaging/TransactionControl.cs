namespace Ferry.Amqp;

/// <summary>
/// Reads the body of a message sent to a coordinator (AMQP 1.0 §4.3): a single amqp-value holding a
/// <see cref="Declare"/> or a <see cref="Discharge"/>.
/// </summary>
/// <remarks>
/// <code>
/// [header…properties…]  0x00 0x53 0x77  0x00 0x53 0x31 list[ global-id ]              declare
///                       0x00 0x53 0x77  0x00 0x53 0x32 list[ txn-id: binary, fail ]    discharge
/// </code>
/// </remarks>
public static class TransactionControl
{
    /// <summary>Returns the <see cref="Declare"/> or <see cref="Discharge"/> the message carries.</summary>
    /// <exception cref="AmqpDecodeException">Malformed, not an amqp-value body, another described type, or a discharge
    /// without a txn-id.</exception>
    public static IAmqpComposite Decode(ReadOnlySpan<byte> message)
    {
        var sections = MessageSections.Scan(message);
        if (sections.BodyKind != MessageBodyKind.AmqpValue)
            throw new AmqpDecodeException("A coordinator message must have an amqp-value body holding a declare or a discharge (AMQP 1.0 §4.3).");
        var reader = new AmqpReader(sections.Body.Slice(message));
        reader.ReadDescriptorCode(); // amqp-value (0x77): MessageSections checked it
        if (reader.TryReadNull())
            throw new AmqpDecodeException("A coordinator message's amqp-value is null; expected a declare or a discharge.");
        var code = reader.ReadDescriptorCode();
        var f = reader.ReadList(out var n);
        switch (code)
        {
            case Descriptor.Declare:
            {
                var declare = new Declare();
                if (f.NextField(ref n)) declare.GlobalId = f.ReadValue();
                return declare;
            }

            case Descriptor.Discharge:
            {
                if (!f.NextField(ref n))
                    throw new AmqpDecodeException("The discharge has no txn-id (AMQP 1.0 §4.5.3).");
                var discharge = new Discharge { TxnId = FieldReader.ReadBinary(ref f) };
                if (f.NextField(ref n)) discharge.Fail = f.ReadBoolean();
                return discharge;
            }

            default:
                throw new AmqpDecodeException($"A coordinator message must hold a declare (0x31) or a discharge (0x32), not descriptor 0x{code:X}.");
        }
    }
}
