namespace Ferry.Amqp;

/// <summary>
/// The only exception the decoders in this assembly throw for malformed input: truncated values, lengths or
/// counts larger than the bytes that remain, unknown format codes, wrong types for a field, nesting too deep,
/// and frame-level violations. <see cref="Condition"/> is the AMQP error condition a connection should close
/// with (AMQP 1.0 §2.8.15, §2.8.16), so a server can turn the exception into a <c>close</c> frame directly.
/// </summary>
public sealed class AmqpDecodeException : Exception
{
    public AmqpDecodeException()
        : this(AmqpErrorCode.DecodeError, "The AMQP data could not be decoded.")
    {
    }

    public AmqpDecodeException(string message)
        : this(AmqpErrorCode.DecodeError, message)
    {
    }

    public AmqpDecodeException(string message, Exception innerException)
        : base(message, innerException)
    {
        Condition = AmqpErrorCode.DecodeError;
    }

    public AmqpDecodeException(string condition, string message)
        : base(message)
    {
        Condition = condition;
    }

    /// <summary>The AMQP error condition symbol, for example <c>amqp:decode-error</c> or <c>amqp:connection:framing-error</c>.</summary>
    public string Condition { get; }
}
