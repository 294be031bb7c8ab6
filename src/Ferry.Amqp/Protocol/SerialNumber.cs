namespace Ferry.Amqp;

/// <summary>
/// RFC 1982 serial-number arithmetic on 32-bit values, used for transfer-number, delivery-number and
/// sequence-no (AMQP 1.0 §2.8.9–§2.8.11): values wrap, and "a before b" means b − a, taken modulo 2^32,
/// lies in (0, 2^31).
/// </summary>
public static class SerialNumber
{
    /// <summary>True when <paramref name="a"/> comes strictly before <paramref name="b"/>.</summary>
    public static bool IsBefore(uint a, uint b) => a != b && unchecked(b - a) < 0x8000_0000u;

    /// <summary>The forward distance from <paramref name="from"/> to <paramref name="to"/>, modulo 2^32.</summary>
    public static uint Distance(uint from, uint to) => unchecked(to - from);
}
