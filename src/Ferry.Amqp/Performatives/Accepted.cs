namespace Ferry.Amqp;

/// <summary>The accepted outcome (AMQP 1.0 §3.4.2); it has no fields, so one shared instance serves.</summary>
public sealed class Accepted : DeliveryState
{
    public static readonly Accepted Instance = new();

    public override ulong DescriptorCode => Descriptor.Accepted;

    public override void Encode(ref AmqpWriter writer)
    {
        var s = writer.BeginComposite(Descriptor.Accepted);
        writer.EndComposite(s);
    }
}
