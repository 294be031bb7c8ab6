namespace Ferry.Amqp;

/// <summary>The disposition performative (AMQP 1.0 §2.7.6): a state for the delivery ids <see cref="First"/>..<see cref="Last"/>.</summary>
public sealed class Disposition : Performative
{
    public override ulong DescriptorCode => Descriptor.Disposition;

    public Role Role { get; set; }

    public uint First { get; set; }

    /// <summary>Null means the same as <see cref="First"/>.</summary>
    public uint? Last { get; set; }

    public bool Settled { get; set; }

    public DeliveryState? State { get; set; }

    public bool Batchable { get; set; }

    public override void Encode(ref AmqpWriter writer)
    {
        var s = writer.BeginComposite(Descriptor.Disposition);
        writer.FieldBoolean(ref s, Role == Role.Receiver);
        writer.FieldUInt(ref s, First);
        writer.FieldUInt(ref s, Last);
        writer.FieldBoolean(ref s, Settled ? true : null);
        writer.FieldComposite(ref s, State);
        writer.FieldBoolean(ref s, Batchable ? true : null);
        writer.EndComposite(s);
    }

    internal static Disposition DecodeFields(ref AmqpReader f, int n)
    {
        var p = new Disposition();
        if (f.NextField(ref n)) p.Role = f.ReadBoolean() ? Role.Receiver : Role.Sender;
        if (f.NextField(ref n)) p.First = f.ReadUInt();
        if (f.NextField(ref n)) p.Last = f.ReadUInt();
        if (f.NextField(ref n)) p.Settled = f.ReadBoolean();
        if (n > 0)
        {
            n--;
            p.State = DeliveryState.Decode(ref f);
        }

        if (f.NextField(ref n)) p.Batchable = f.ReadBoolean();
        return p;
    }
}
