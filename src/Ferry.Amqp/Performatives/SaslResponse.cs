namespace Ferry.Amqp;

/// <summary>sasl-response (AMQP 1.0 §5.3.3.4).</summary>
public sealed class SaslResponse : Performative
{
    public override ulong DescriptorCode => Descriptor.SaslResponse;

    public byte[] Response { get; set; } = [];

    public override void Encode(ref AmqpWriter writer)
    {
        var s = writer.BeginComposite(Descriptor.SaslResponse);
        writer.FieldBinary(ref s, Response);
        writer.EndComposite(s);
    }

    internal static SaslResponse DecodeFields(ref AmqpReader f, int n)
    {
        var p = new SaslResponse();
        if (f.NextField(ref n)) p.Response = FieldReader.ReadBinary(ref f);
        return p;
    }
}
