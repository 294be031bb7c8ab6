namespace Ferry.Amqp;

/// <summary>An IEEE 754-2008 decimal128 kept as its raw 128 bits (AMQP 1.0 §1.6.16); <see cref="High"/> holds the
/// first eight bytes on the wire (network order).</summary>
public readonly record struct AmqpDecimal128(ulong High, ulong Low);
