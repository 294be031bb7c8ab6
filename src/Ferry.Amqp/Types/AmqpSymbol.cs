namespace Ferry.Amqp;

/// <summary>
/// An AMQP symbol (AMQP 1.0 §1.6.21): an ASCII string used for names, keys and descriptors. Distinct from
/// <see cref="string"/> on the wire and in maps: a map key <c>"x"</c> and a key <c>(AmqpSymbol)"x"</c> are different keys.
/// </summary>
/// <remarks>Encoding a symbol with a character above 0x7F throws <see cref="ArgumentException"/>.</remarks>
public readonly struct AmqpSymbol : IEquatable<AmqpSymbol>
{
    private readonly string? _value;

    public AmqpSymbol(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        _value = value;
    }

    public string Value => _value ?? string.Empty;

    public static implicit operator AmqpSymbol(string value) => new(value);

    public static bool operator ==(AmqpSymbol left, AmqpSymbol right) => left.Equals(right);

    public static bool operator !=(AmqpSymbol left, AmqpSymbol right) => !left.Equals(right);

    public bool Equals(AmqpSymbol other) => string.Equals(Value, other.Value, StringComparison.Ordinal);

    public override bool Equals(object? obj) => obj is AmqpSymbol other && Equals(other);

    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Value);

    public override string ToString() => Value;
}
