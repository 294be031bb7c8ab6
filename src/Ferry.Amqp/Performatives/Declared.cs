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

    /// <summary>The transaction's id: binary of the coordinator's choosing (§4.5.4); Ferry's are 8 bytes.</summary>
    public byte[] TxnId { get; set; } = [];

    public override void Encode(ref AmqpWriter writer)
    {
        var s = writer.BeginComposite(Descriptor.Declared);
        writer.FieldBinary(ref s, TxnId);
        writer.EndComposite(s);
    }
}
