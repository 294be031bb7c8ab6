namespace Ferry.Amqp;

/// <summary>AMQP 1.0 §2.8.3.</summary>
public enum ReceiverSettleMode : byte
{
    First = 0,
    Second = 1,
}
