namespace Ferry.Amqp;

/// <summary>
/// A peer broke a protocol rule that the state helpers enforce: a transfer outside the session window, a
/// transfer without link credit, a message larger than max-message-size, an inconsistent multi-frame delivery.
/// <see cref="Condition"/> is the AMQP error condition to end the session, detach the link or close the
/// connection with (AMQP 1.0 §2.8.15–§2.8.18).
/// </summary>
public sealed class AmqpProtocolException : Exception
{
    public AmqpProtocolException()
        : this(AmqpErrorCode.InternalError, "AMQP protocol violation.")
    {
    }

    public AmqpProtocolException(string message)
        : this(AmqpErrorCode.NotAllowed, message)
    {
    }

    public AmqpProtocolException(string message, Exception innerException)
        : base(message, innerException)
    {
        Condition = AmqpErrorCode.InternalError;
    }

    public AmqpProtocolException(string condition, string message)
        : base(message)
    {
        Condition = condition;
    }

    public string Condition { get; }

    /// <summary>The error to send in the detach, end or close frame.</summary>
    public AmqpError ToError() => new(Condition, Message);
}
