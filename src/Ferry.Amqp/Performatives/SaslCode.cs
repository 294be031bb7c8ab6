namespace Ferry.Amqp;

/// <summary>SASL outcome codes (AMQP 1.0 §5.3.3.6).</summary>
public enum SaslCode : byte
{
    Ok = 0,
    Auth = 1,
    Sys = 2,
    SysPerm = 3,
    SysTemp = 4,
}
