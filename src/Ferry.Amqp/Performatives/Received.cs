namespace Ferry.Amqp;

/// <summary>The received delivery state (AMQP 1.0 §3.4.1).</summary>
public sealed class Received : DeliveryState
{
    public override ulong DescriptorCode => Descriptor.Received;

    public uint SectionNumber { get; set; }

    public ulong SectionOffset { get; set; }

    public override void Encode(ref AmqpWriter writer)
    {
        var s = writer.BeginComposite(Descriptor.Received);
        writer.FieldUInt(ref s, SectionNumber);
        writer.FieldULong(ref s, SectionOffset);
        writer.EndComposite(s);
    }
}
