namespace Ferry.Amqp;

/// <summary>sasl-challenge (AMQP 1.0 §5.3.3.3).</summary>
public sealed class SaslChallenge : Performative
{
    public override ulong DescriptorCode => Descriptor.SaslChallenge;

    public byte[] Challenge { get; set; } = [];

    public override void Encode(ref AmqpWriter writer)
    {
        var s = writer.BeginComposite(Descriptor.SaslChallenge);
        writer.FieldBinary(ref s, Challenge);
        writer.EndComposite(s);
    }

    internal static SaslChallenge DecodeFields(ref AmqpReader f, int n)
    {
        var p = new SaslChallenge();
        if (f.NextField(ref n)) p.Challenge = FieldReader.ReadBinary(ref f);
        return p;
    }
}
