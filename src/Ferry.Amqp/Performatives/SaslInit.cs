namespace Ferry.Amqp;

/// <summary>sasl-init (AMQP 1.0 §5.3.3.2): the client's chosen mechanism and initial response.</summary>
public sealed class SaslInit : Performative
{
    public override ulong DescriptorCode => Descriptor.SaslInit;

    public AmqpSymbol Mechanism { get; set; }

    public byte[]? InitialResponse { get; set; }

    public string? Hostname { get; set; }

    public override void Encode(ref AmqpWriter writer)
    {
        var s = writer.BeginComposite(Descriptor.SaslInit);
        writer.FieldSymbol(ref s, Mechanism);
        writer.FieldBinary(ref s, InitialResponse);
        writer.FieldString(ref s, Hostname);
        writer.EndComposite(s);
    }

    internal static SaslInit DecodeFields(ref AmqpReader f, int n)
    {
        var p = new SaslInit();
        if (f.NextField(ref n)) p.Mechanism = f.ReadSymbol();
        if (f.NextField(ref n)) p.InitialResponse = FieldReader.ReadBinary(ref f);
        if (f.NextField(ref n)) p.Hostname = f.ReadString();
        return p;
    }
}
