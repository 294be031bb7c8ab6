namespace Ferry.Amqp;

/// <summary>The begin performative (AMQP 1.0 §2.7.2).</summary>
public sealed class Begin : Performative
{
    public override ulong DescriptorCode => Descriptor.Begin;

    /// <summary>Set when answering a peer's begin; null when initiating.</summary>
    public ushort? RemoteChannel { get; set; }

    public uint NextOutgoingId { get; set; }

    public uint IncomingWindow { get; set; }

    public uint OutgoingWindow { get; set; }

    /// <summary>Default 4294967295.</summary>
    public uint HandleMax { get; set; } = uint.MaxValue;

    public AmqpSymbol[]? OfferedCapabilities { get; set; }

    public AmqpSymbol[]? DesiredCapabilities { get; set; }

    public AmqpMap? Properties { get; set; }

    public override void Encode(ref AmqpWriter writer)
    {
        var s = writer.BeginComposite(Descriptor.Begin);
        writer.FieldUShort(ref s, RemoteChannel);
        writer.FieldUInt(ref s, NextOutgoingId);
        writer.FieldUInt(ref s, IncomingWindow);
        writer.FieldUInt(ref s, OutgoingWindow);
        writer.FieldUInt(ref s, HandleMax == uint.MaxValue ? null : HandleMax);
        writer.FieldSymbols(ref s, OfferedCapabilities);
        writer.FieldSymbols(ref s, DesiredCapabilities);
        writer.FieldMap(ref s, Properties);
        writer.EndComposite(s);
    }

    internal static Begin DecodeFields(ref AmqpReader f, int n)
    {
        var p = new Begin();
        if (f.NextField(ref n)) p.RemoteChannel = f.ReadUShort();
        if (f.NextField(ref n)) p.NextOutgoingId = f.ReadUInt();
        if (f.NextField(ref n)) p.IncomingWindow = f.ReadUInt();
        if (f.NextField(ref n)) p.OutgoingWindow = f.ReadUInt();
        if (f.NextField(ref n)) p.HandleMax = f.ReadUInt();
        if (f.NextField(ref n)) p.OfferedCapabilities = FieldReader.ReadSymbols(ref f);
        if (f.NextField(ref n)) p.DesiredCapabilities = FieldReader.ReadSymbols(ref f);
        if (f.NextField(ref n)) p.Properties = FieldReader.ReadMap(ref f);
        return p;
    }
}
