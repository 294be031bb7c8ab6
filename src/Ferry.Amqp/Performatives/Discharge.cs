namespace Ferry.Amqp;

/// <summary>
/// The discharge message body (AMQP 1.0 §4.5.3), sent as an amqp-value to a coordinator to end a transaction.
/// Wire layout: <c>0x00 0x53 0x32</c> list [ txn-id: binary (mandatory), fail: boolean ].
/// </summary>
public sealed class Discharge : IAmqpComposite
{
    public ulong DescriptorCode => Descriptor.Discharge;

    public byte[] TxnId { get; set; } = [];

    /// <summary>True rolls the transaction back; false (the default) commits it.</summary>
    public bool Fail { get; set; }

    public void Encode(ref AmqpWriter writer)
    {
        var s = writer.BeginComposite(Descriptor.Discharge);
        writer.FieldBinary(ref s, TxnId);
        writer.FieldBoolean(ref s, Fail ? true : null);
        writer.EndComposite(s);
    }
}
