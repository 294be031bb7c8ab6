namespace Ferry.Amqp;

/// <summary>sasl-mechanisms (AMQP 1.0 §5.3.3.1), sent by the server in a SASL frame.</summary>
public sealed class SaslMechanisms : Performative
{
    public override ulong DescriptorCode => Descriptor.SaslMechanisms;

    public AmqpSymbol[] Mechanisms { get; set; } = [];

    public override void Encode(ref AmqpWriter writer)
    {
        var s = writer.BeginComposite(Descriptor.SaslMechanisms);
        writer.FieldSymbols(ref s, Mechanisms);
        writer.EndComposite(s);
    }

    internal static SaslMechanisms DecodeFields(ref AmqpReader f, int n)
    {
        var p = new SaslMechanisms();
        if (f.NextField(ref n)) p.Mechanisms = FieldReader.ReadSymbols(ref f) ?? [];
        return p;
    }
}
