namespace Ferry.Amqp;

/// <summary>A composite type (AMQP 1.0 §1.4) that writes itself as a described list.</summary>
public interface IAmqpComposite
{
    /// <summary>The numeric descriptor, for example 0x10 for open.</summary>
    ulong DescriptorCode { get; }

    void Encode(ref AmqpWriter writer);
}
