namespace Ferry.Amqp;

/// <summary>The open performative (AMQP 1.0 §2.7.1).</summary>
public sealed class Open : Performative
{
    public override ulong DescriptorCode => Descriptor.Open;

    public string ContainerId { get; set; } = string.Empty;

    public string? Hostname { get; set; }

    /// <summary>Default 4294967295 (no limit beyond the 32-bit size field).</summary>
    public uint MaxFrameSize { get; set; } = uint.MaxValue;

    /// <summary>Default 65535.</summary>
    public ushort ChannelMax { get; set; } = ushort.MaxValue;

    /// <summary>Milliseconds; null means no idle time-out.</summary>
    public uint? IdleTimeOut { get; set; }

    public AmqpSymbol[]? OutgoingLocales { get; set; }

    public AmqpSymbol[]? IncomingLocales { get; set; }

    public AmqpSymbol[]? OfferedCapabilities { get; set; }

    public AmqpSymbol[]? DesiredCapabilities { get; set; }

    public AmqpMap? Properties { get; set; }

    public override void Encode(ref AmqpWriter writer)
    {
        var s = writer.BeginComposite(Descriptor.Open);
        writer.FieldString(ref s, ContainerId);
        writer.FieldString(ref s, Hostname);
        writer.FieldUInt(ref s, MaxFrameSize == uint.MaxValue ? null : MaxFrameSize);
        writer.FieldUShort(ref s, ChannelMax == ushort.MaxValue ? null : ChannelMax);
        writer.FieldUInt(ref s, IdleTimeOut);
        writer.FieldSymbols(ref s, OutgoingLocales);
        writer.FieldSymbols(ref s, IncomingLocales);
        writer.FieldSymbols(ref s, OfferedCapabilities);
        writer.FieldSymbols(ref s, DesiredCapabilities);
        writer.FieldMap(ref s, Properties);
        writer.EndComposite(s);
    }

    internal static Open DecodeFields(ref AmqpReader f, int n)
    {
        var p = new Open();
        if (f.NextField(ref n)) p.ContainerId = f.ReadString();
        if (f.NextField(ref n)) p.Hostname = f.ReadString();
        if (f.NextField(ref n)) p.MaxFrameSize = f.ReadUInt();
        if (f.NextField(ref n)) p.ChannelMax = f.ReadUShort();
        if (f.NextField(ref n)) p.IdleTimeOut = f.ReadUInt();
        if (f.NextField(ref n)) p.OutgoingLocales = FieldReader.ReadSymbols(ref f);
        if (f.NextField(ref n)) p.IncomingLocales = FieldReader.ReadSymbols(ref f);
        if (f.NextField(ref n)) p.OfferedCapabilities = FieldReader.ReadSymbols(ref f);
        if (f.NextField(ref n)) p.DesiredCapabilities = FieldReader.ReadSymbols(ref f);
        if (f.NextField(ref n)) p.Properties = FieldReader.ReadMap(ref f);
        return p;
    }
}
