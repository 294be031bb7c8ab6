namespace Ferry.Amqp;

/// <summary>An IEEE 754-2008 decimal64 kept as its raw 64 bits (AMQP 1.0 §1.6.15).</summary>
public readonly record struct AmqpDecimal64(ulong Bits);
