namespace Ferry.Amqp;

/// <summary>Link role, encoded as a boolean (AMQP 1.0 §2.8.1): false = sender, true = receiver.</summary>
public enum Role : byte
{
    Sender = 0,
    Receiver = 1,
}
