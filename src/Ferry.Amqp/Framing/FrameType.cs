namespace Ferry.Amqp;

/// <summary>The frame type byte (AMQP 1.0 §2.3.1): 0x00 carries AMQP performatives, 0x01 SASL frames (§5.3.1).</summary>
public enum FrameType : byte
{
    Amqp = 0,
    Sasl = 1,
}
