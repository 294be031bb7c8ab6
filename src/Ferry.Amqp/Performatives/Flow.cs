namespace Ferry.Amqp;

/// <summary>The flow performative (AMQP 1.0 §2.7.4). Without <see cref="Handle"/> it updates only the session window.</summary>
public sealed class Flow : Performative
{
    public override ulong DescriptorCode => Descriptor.Flow;

    /// <summary>Null until the peer's begin has been received (§2.7.4).</summary>
    public uint? NextIncomingId { get; set; }

    public uint IncomingWindow { get; set; }

    public uint NextOutgoingId { get; set; }

    public uint OutgoingWindow { get; set; }

    public uint? Handle { get; set; }

    public uint? DeliveryCount { get; set; }

    public uint? LinkCredit { get; set; }

    public uint? Available { get; set; }

    public bool Drain { get; set; }

    public bool Echo { get; set; }

    public AmqpMap? Properties { get; set; }

    public override void Encode(ref AmqpWriter writer)
    {
        var s = writer.BeginComposite(Descriptor.Flow);
        writer.FieldUInt(ref s, NextIncomingId);
        writer.FieldUInt(ref s, IncomingWindow);
        writer.FieldUInt(ref s, NextOutgoingId);
        writer.FieldUInt(ref s, OutgoingWindow);
        writer.FieldUInt(ref s, Handle);
        writer.FieldUInt(ref s, DeliveryCount);
        writer.FieldUInt(ref s, LinkCredit);
        writer.FieldUInt(ref s, Available);
        writer.FieldBoolean(ref s, Drain ? true : null);
        writer.FieldBoolean(ref s, Echo ? true : null);
        writer.FieldMap(ref s, Properties);
        writer.EndComposite(s);
    }

    internal static Flow DecodeFields(ref AmqpReader f, int n)
    {
        var p = new Flow();
        if (f.NextField(ref n)) p.NextIncomingId = f.ReadUInt();
        if (f.NextField(ref n)) p.IncomingWindow = f.ReadUInt();
        if (f.NextField(ref n)) p.NextOutgoingId = f.ReadUInt();
        if (f.NextField(ref n)) p.OutgoingWindow = f.ReadUInt();
        if (f.NextField(ref n)) p.Handle = f.ReadUInt();
        if (f.NextField(ref n)) p.DeliveryCount = f.ReadUInt();
        if (f.NextField(ref n)) p.LinkCredit = f.ReadUInt();
        if (f.NextField(ref n)) p.Available = f.ReadUInt();
        if (f.NextField(ref n)) p.Drain = f.ReadBoolean();
        if (f.NextField(ref n)) p.Echo = f.ReadBoolean();
        if (f.NextField(ref n)) p.Properties = FieldReader.ReadMap(ref f);
        return p;
    }
}
