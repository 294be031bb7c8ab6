namespace Ferry.Amqp;

/// <summary>
/// A described type in the generic object model (AMQP 1.0 §1.2): a descriptor (usually <see cref="ulong"/> or
/// <see cref="AmqpSymbol"/>) and the value it describes. Equality is structural (see <see cref="AmqpValueComparer"/>).
/// </summary>
public sealed class DescribedValue : IEquatable<DescribedValue>
{
    public DescribedValue(object descriptor, object? value)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        Descriptor = descriptor;
        Value = value;
    }

    public object Descriptor { get; }

    public object? Value { get; }

    public bool Equals(DescribedValue? other) =>
        other is not null
        && AmqpValueComparer.Instance.Equals(Descriptor, other.Descriptor)
        && AmqpValueComparer.Instance.Equals(Value, other.Value);

    public override bool Equals(object? obj) => Equals(obj as DescribedValue);

    public override int GetHashCode() =>
        HashCode.Combine(AmqpValueComparer.Instance.GetHashCode(Descriptor), AmqpValueComparer.Instance.GetHashCode(Value));

    public override string ToString() => $"{Descriptor}:{Value}";
}
