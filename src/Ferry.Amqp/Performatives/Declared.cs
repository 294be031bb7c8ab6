namespace Ferry.Amqp;

/// <summary>
/// The declared outcome (AMQP 1.0 §4.5.4): the coordinator's answer to a declare, carrying the new transaction's id.
/// Wire layout: <c>0x00 0x53 0x33</c> list [ txn-id: binary (mandatory) ].
/// </summary>
public sealed class Declared : DeliveryState
{
    public Declared()
    {
    }

    public Declared(byte[] txnId)
    {
        TxnId = txnId;
    }

    public override ulong DescriptorCode => Descriptor.Declared;

    /// <summary>At most 32 bytes (§4.5.4 txn-id is binary; the spec sets no limit, Ferry's ids are 8 bytes).</summary>
    public byte[] TxnId { get; set; } = [];

    public override void Encode(ref AmqpWriter writer)
    {
        var s = writer.BeginComposite(Descriptor.Declared);
        writer.FieldBinary(ref s, TxnId);
        writer.EndComposite(s);
    }
}
