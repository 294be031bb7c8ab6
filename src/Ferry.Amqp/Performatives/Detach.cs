namespace Ferry.Amqp;

/// <summary>The detach performative (AMQP 1.0 §2.7.7).</summary>
public sealed class Detach : Performative
{
    public override ulong DescriptorCode => Descriptor.Detach;

    public uint Handle { get; set; }

    public bool Closed { get; set; }

    public AmqpError? Error { get; set; }

    public override void Encode(ref AmqpWriter writer)
    {
        var s = writer.BeginComposite(Descriptor.Detach);
        writer.FieldUInt(ref s, Handle);
        writer.FieldBoolean(ref s, Closed ? true : null);
        writer.FieldComposite(ref s, Error);
        writer.EndComposite(s);
    }

    internal static Detach DecodeFields(ref AmqpReader f, int n)
    {
        var p = new Detach();
        if (f.NextField(ref n)) p.Handle = f.ReadUInt();
        if (f.NextField(ref n)) p.Closed = f.ReadBoolean();
        if (n > 0) p.Error = AmqpError.Decode(ref f);
        return p;
    }
}
