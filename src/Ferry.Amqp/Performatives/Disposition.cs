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

    // Every field is assigned, present or not: a reused instance keeps nothing of the disposition decoded into it before.
    internal static Disposition DecodeFields(ref AmqpReader f, int n, Disposition? into = null)
    {
        var p = into ?? new Disposition();
        p.Role = f.NextField(ref n) && f.ReadBoolean() ? Role.Receiver : Role.Sender;
        p.First = f.NextField(ref n) ? f.ReadUInt() : 0;
        p.Last = f.NextField(ref n) ? f.ReadUInt() : null;
        p.Settled = f.NextField(ref n) && f.ReadBoolean();
        p.State = null;
        if (n > 0)
        {
            n--;
            p.State = DeliveryState.Decode(ref f);
        }

        p.Batchable = f.NextField(ref n) && f.ReadBoolean();
        return p;
    }
}
