namespace Ferry.Amqp;

/// <summary>The end performative (AMQP 1.0 §2.7.8).</summary>
public sealed class End : Performative
{
    public override ulong DescriptorCode => Descriptor.End;

    public AmqpError? Error { get; set; }

    public override void Encode(ref AmqpWriter writer)
    {
        var s = writer.BeginComposite(Descriptor.End);
        writer.FieldComposite(ref s, Error);
        writer.EndComposite(s);
    }

    internal static End DecodeFields(ref AmqpReader f, int n) =>
        new() { Error = n > 0 ? AmqpError.Decode(ref f) : null };
}
