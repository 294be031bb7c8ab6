namespace Ferry.Amqp;

/// <summary>The header section (AMQP 1.0 §3.2.1).</summary>
public sealed class Header : IAmqpComposite
{
    public ulong DescriptorCode => Descriptor.Header;

    public bool Durable { get; set; }

    /// <summary>Default 4.</summary>
    public byte Priority { get; set; } = 4;

    /// <summary>Time to live in milliseconds; null means no expiry.</summary>
    public uint? Ttl { get; set; }

    public bool FirstAcquirer { get; set; }

    /// <summary>Failed delivery attempts so far; Service Bus sends the number of previous deliveries.</summary>
    public uint DeliveryCount { get; set; }

    public void Encode(ref AmqpWriter writer)
    {
        var s = writer.BeginComposite(Descriptor.Header);
        writer.FieldBoolean(ref s, Durable ? true : null);
        writer.FieldUByte(ref s, Priority == 4 ? null : Priority);
        writer.FieldUInt(ref s, Ttl);
        writer.FieldBoolean(ref s, FirstAcquirer ? true : null);
        // Always written, even at its default 0: rhea leaves an absent field undefined, and the JS SDK then reports
        // deliveryCount as undefined instead of 0.
        writer.FieldUInt(ref s, DeliveryCount);
        writer.EndComposite(s);
    }

    /// <summary>Decodes a header section (descriptor included).</summary>
    public static Header Decode(ReadOnlySpan<byte> section)
    {
        var reader = new AmqpReader(section);
        return Decode(ref reader);
    }

    public static Header Decode(ref AmqpReader reader)
    {
        ulong code = reader.ReadDescriptorCode();
        if (code != Descriptor.Header)
        {
            throw FieldReader.UnknownDescriptor(code, "header");
        }

        var header = new Header();
        if (reader.TryReadNull())
        {
            return header;
        }

        var f = reader.ReadList(out int n);
        if (f.NextField(ref n)) header.Durable = f.ReadBoolean();
        if (f.NextField(ref n)) header.Priority = f.ReadUByte();
        if (f.NextField(ref n)) header.Ttl = f.ReadUInt();
        if (f.NextField(ref n)) header.FirstAcquirer = f.ReadBoolean();
        if (f.NextField(ref n)) header.DeliveryCount = f.ReadUInt();
        return header;
    }
}
