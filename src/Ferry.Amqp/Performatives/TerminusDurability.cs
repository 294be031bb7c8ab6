namespace Ferry.Amqp;

/// <summary>AMQP 1.0 §3.5.5.</summary>
public enum TerminusDurability : uint
{
    None = 0,
    Configuration = 1,
    UnsettledState = 2,
}
