namespace Ferry.Amqp;

/// <summary>The released outcome (AMQP 1.0 §3.4.4); it has no fields, so one shared instance serves.</summary>
public sealed class Released : DeliveryState
{
    public static readonly Released Instance = new();

    public override ulong DescriptorCode => Descriptor.Released;

    public override void Encode(ref AmqpWriter writer)
    {
        var s = writer.BeginComposite(Descriptor.Released);
        writer.EndComposite(s);
    }
}
