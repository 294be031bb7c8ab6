namespace Ferry.Amqp;

/// <summary>AMQP 1.0 §2.8.2.</summary>
public enum SenderSettleMode : byte
{
    Unsettled = 0,
    Settled = 1,
    Mixed = 2,
}
