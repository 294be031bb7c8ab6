namespace Ferry.Amqp;

/// <summary>The source terminus (AMQP 1.0 §3.5.3).</summary>
public sealed class Source : IAmqpComposite
{
    public static readonly AmqpSymbol SessionEnd = "session-end";

    public ulong DescriptorCode => Descriptor.Source;

    /// <summary>The node address; Service Bus puts the entity path here (<c>queue</c>, <c>topic/Subscriptions/sub</c>).</summary>
    public string? Address { get; set; }

    public TerminusDurability Durable { get; set; }

    /// <summary>Null means the default, <c>session-end</c>.</summary>
    public AmqpSymbol? ExpiryPolicy { get; set; }

    /// <summary>Seconds; 0 is the default.</summary>
    public uint Timeout { get; set; }

    public bool Dynamic { get; set; }

    public AmqpMap? DynamicNodeProperties { get; set; }

    public AmqpSymbol? DistributionMode { get; set; }

    /// <summary>The filter-set (§3.5.8): symbol keys, values usually described filters. Service Bus session
    /// receivers send key <c>com.microsoft:session-filter</c> with a string or null value.</summary>
    public AmqpMap? Filter { get; set; }

    public DeliveryState? DefaultOutcome { get; set; }

    public AmqpSymbol[]? Outcomes { get; set; }

    public AmqpSymbol[]? Capabilities { get; set; }

    public void Encode(ref AmqpWriter writer)
    {
        var s = writer.BeginComposite(Descriptor.Source);
        writer.FieldString(ref s, Address);
        writer.FieldUInt(ref s, Durable == TerminusDurability.None ? null : (uint)Durable);
        writer.FieldSymbol(ref s, ExpiryPolicy);
        writer.FieldUInt(ref s, Timeout == 0 ? null : Timeout);
        writer.FieldBoolean(ref s, Dynamic ? true : null);
        writer.FieldMap(ref s, DynamicNodeProperties);
        writer.FieldSymbol(ref s, DistributionMode);
        writer.FieldMap(ref s, Filter);
        writer.FieldComposite(ref s, DefaultOutcome);
        writer.FieldSymbols(ref s, Outcomes);
        writer.FieldSymbols(ref s, Capabilities);
        writer.EndComposite(s);
    }

    /// <summary>Reads a described source, or null when the value is null.</summary>
    public static Source? Decode(ref AmqpReader reader)
    {
        if (reader.TryReadNull())
        {
            return null;
        }

        ulong code = reader.ReadDescriptorCode();
        if (code != Descriptor.Source)
        {
            throw FieldReader.UnknownDescriptor(code, "source");
        }

        var f = reader.ReadList(out int n);
        var source = new Source();
        if (f.NextField(ref n)) source.Address = ReadAddress(ref f);
        if (f.NextField(ref n)) source.Durable = (TerminusDurability)f.ReadUInt();
        if (f.NextField(ref n)) source.ExpiryPolicy = f.ReadSymbol();
        if (f.NextField(ref n)) source.Timeout = f.ReadUInt();
        if (f.NextField(ref n)) source.Dynamic = f.ReadBoolean();
        if (f.NextField(ref n)) source.DynamicNodeProperties = FieldReader.ReadMap(ref f);
        if (f.NextField(ref n)) source.DistributionMode = f.ReadSymbol();
        if (f.NextField(ref n)) source.Filter = FieldReader.ReadMap(ref f);
        if (n > 0)
        {
            n--;
            source.DefaultOutcome = DeliveryState.Decode(ref f);
        }

        if (f.NextField(ref n)) source.Outcomes = FieldReader.ReadSymbols(ref f);
        if (f.NextField(ref n)) source.Capabilities = FieldReader.ReadSymbols(ref f);
        return source;
    }

    // The address type is "*" with requires="address" (§3.5.3); every client in practice sends a string,
    // and some send a symbol.
    internal static string ReadAddress(ref AmqpReader reader) =>
        reader.PeekFormatCode() is FormatCode.Symbol8 or FormatCode.Symbol32 ? reader.ReadSymbol().Value : reader.ReadString();
}
