namespace Ferry.Amqp;

/// <summary>The close performative (AMQP 1.0 §2.7.9).</summary>
public sealed class Close : Performative
{
    public override ulong DescriptorCode => Descriptor.Close;

    public AmqpError? Error { get; set; }

    public override void Encode(ref AmqpWriter writer)
    {
        var s = writer.BeginComposite(Descriptor.Close);
        writer.FieldComposite(ref s, Error);
        writer.EndComposite(s);
    }

    internal static Close DecodeFields(ref AmqpReader f, int n) =>
        new() { Error = n > 0 ? AmqpError.Decode(ref f) : null };
}
