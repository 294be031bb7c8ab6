namespace Ferry.Amqp;

/// <summary>An IEEE 754-2008 decimal32 kept as its raw 32 bits (AMQP 1.0 §1.6.14); Ferry does no decimal arithmetic.</summary>
public readonly record struct AmqpDecimal32(uint Bits);
