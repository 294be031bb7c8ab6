namespace Ferry.Amqp;

/// <summary>The target terminus (AMQP 1.0 §3.5.4).</summary>
public sealed class Target : IAmqpComposite
{
    public ulong DescriptorCode => Descriptor.Target;

    public string? Address { get; set; }

    public TerminusDurability Durable { get; set; }

    /// <summary>Null means the default, <c>session-end</c>.</summary>
    public AmqpSymbol? ExpiryPolicy { get; set; }

    public uint Timeout { get; set; }

    public bool Dynamic { get; set; }

    public AmqpMap? DynamicNodeProperties { get; set; }

    public AmqpSymbol[]? Capabilities { get; set; }

    public void Encode(ref AmqpWriter writer)
    {
        var s = writer.BeginComposite(Descriptor.Target);
        writer.FieldString(ref s, Address);
        writer.FieldUInt(ref s, Durable == TerminusDurability.None ? null : (uint)Durable);
        writer.FieldSymbol(ref s, ExpiryPolicy);
        writer.FieldUInt(ref s, Timeout == 0 ? null : Timeout);
        writer.FieldBoolean(ref s, Dynamic ? true : null);
        writer.FieldMap(ref s, DynamicNodeProperties);
        writer.FieldSymbols(ref s, Capabilities);
        writer.EndComposite(s);
    }

    /// <summary>Reads a described target, or null when the value is null.</summary>
    /// <exception cref="AmqpDecodeException">Malformed, or a coordinator (which <see cref="Attach"/> reads itself).</exception>
    public static Target? Decode(ref AmqpReader reader)
    {
        if (reader.TryReadNull())
        {
            return null;
        }

        ulong code = reader.ReadDescriptorCode();
        if (code == Descriptor.Coordinator)
        {
            throw new AmqpDecodeException("A coordinator (AMQP 1.0 §4.5.1) is only valid as the target of an attach.");
        }

        if (code != Descriptor.Target)
        {
            throw FieldReader.UnknownDescriptor(code, "target");
        }

        var f = reader.ReadList(out int n);
        var target = new Target();
        if (f.NextField(ref n)) target.Address = Source.ReadAddress(ref f);
        if (f.NextField(ref n)) target.Durable = (TerminusDurability)f.ReadUInt();
        if (f.NextField(ref n)) target.ExpiryPolicy = f.ReadSymbol();
        if (f.NextField(ref n)) target.Timeout = f.ReadUInt();
        if (f.NextField(ref n)) target.Dynamic = f.ReadBoolean();
        if (f.NextField(ref n)) target.DynamicNodeProperties = FieldReader.ReadMap(ref f);
        if (f.NextField(ref n)) target.Capabilities = FieldReader.ReadSymbols(ref f);
        return target;
    }
}
