namespace Ferry.Amqp;

/// <summary>Which body sections a message carries (AMQP 1.0 §3.2): data sections, amqp-sequence sections or one amqp-value.</summary>
public enum MessageBodyKind : byte
{
    None = 0,
    Data = 1,
    AmqpSequence = 2,
    AmqpValue = 3,
}
