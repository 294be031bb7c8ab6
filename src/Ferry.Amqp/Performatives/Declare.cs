namespace Ferry.Amqp;

/// <summary>
/// The declare message body (AMQP 1.0 §4.5.2), sent as an amqp-value to a coordinator to start a transaction.
/// Wire layout: <c>0x00 0x53 0x31</c> list [ global-id: * ]. A global id asks for a distributed transaction.
/// </summary>
public sealed class Declare : IAmqpComposite
{
    public ulong DescriptorCode => Descriptor.Declare;

    /// <summary>Null for a local transaction; any other value names a distributed one.</summary>
    public object? GlobalId { get; set; }

    public void Encode(ref AmqpWriter writer)
    {
        var s = writer.BeginComposite(Descriptor.Declare);
        writer.FieldValue(ref s, GlobalId);
        writer.EndComposite(s);
    }
}
