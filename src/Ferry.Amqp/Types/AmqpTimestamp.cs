namespace Ferry.Amqp;

/// <summary>Conversions for AMQP timestamps: signed milliseconds since the Unix epoch, UTC (AMQP 1.0 §1.6.18).</summary>
public static class AmqpTimestamp
{
    private static readonly long MinMilliseconds = DateTimeOffset.MinValue.ToUnixTimeMilliseconds();
    private static readonly long MaxMilliseconds = DateTimeOffset.MaxValue.ToUnixTimeMilliseconds();

    /// <summary>Converts milliseconds to UTC, clamping values outside <see cref="DateTimeOffset"/>'s range
    /// (peers use huge values to mean "never").</summary>
    public static DateTimeOffset ToDateTimeOffset(long unixMilliseconds)
    {
        if (unixMilliseconds <= MinMilliseconds)
        {
            return DateTimeOffset.MinValue;
        }

        if (unixMilliseconds >= MaxMilliseconds)
        {
            return DateTimeOffset.MaxValue;
        }

        return DateTimeOffset.FromUnixTimeMilliseconds(unixMilliseconds);
    }
}
