namespace Ferry.Amqp;

/// <summary>
/// The Service Bus batch format: a transfer with message-format 0x80013700 whose message body is a sequence of
/// data sections, each holding one complete encoded message. The envelope's other sections are ignored.
/// </summary>
public static class ServiceBusBatch
{
    public const uint MessageFormat = 0x80013700;

    /// <summary>Enumerates the inner messages as slices of <paramref name="envelope"/> (no copies).</summary>
    /// <exception cref="AmqpDecodeException">The envelope is malformed or its body is not data sections.</exception>
    public static BatchMessageEnumerator GetMessages(ReadOnlyMemory<byte> envelope)
    {
        var sections = MessageSections.Scan(envelope.Span);
        if (sections.BodySectionCount > 0 && sections.BodyKind != MessageBodyKind.Data)
        {
            throw new AmqpDecodeException("A batch body must be data sections.");
        }

        return new BatchMessageEnumerator(envelope, sections.Body);
    }
}
