namespace Ferry.Amqp;

/// <summary>The modified outcome (AMQP 1.0 §3.4.5). Service Bus: undeliverable-here means defer, otherwise abandon.</summary>
public sealed class Modified : DeliveryState
{
    public override ulong DescriptorCode => Descriptor.Modified;

    public bool DeliveryFailed { get; set; }

    public bool UndeliverableHere { get; set; }

    /// <summary>Annotations to merge into the message; keys are symbols.</summary>
    public AmqpMap? MessageAnnotations { get; set; }

    public override void Encode(ref AmqpWriter writer)
    {
        var s = writer.BeginComposite(Descriptor.Modified);
        writer.FieldBoolean(ref s, DeliveryFailed ? true : null);
        writer.FieldBoolean(ref s, UndeliverableHere ? true : null);
        writer.FieldMap(ref s, MessageAnnotations);
        writer.EndComposite(s);
    }
}
