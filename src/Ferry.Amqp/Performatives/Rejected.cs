namespace Ferry.Amqp;

/// <summary>The rejected outcome (AMQP 1.0 §3.4.3). Service Bus dead-lettering arrives as rejected with condition
/// <c>com.microsoft:dead-letter</c>.</summary>
public sealed class Rejected : DeliveryState
{
    public Rejected()
    {
    }

    public Rejected(AmqpError? error)
    {
        Error = error;
    }

    public override ulong DescriptorCode => Descriptor.Rejected;

    public AmqpError? Error { get; set; }

    public override void Encode(ref AmqpWriter writer)
    {
        var s = writer.BeginComposite(Descriptor.Rejected);
        writer.FieldComposite(ref s, Error);
        writer.EndComposite(s);
    }
}
