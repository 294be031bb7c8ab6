using System.Buffers;

namespace Ferry.Amqp;

/// <summary>
/// The layout of an encoded AMQP message (AMQP 1.0 §3.2): where each section starts and ends, found by reading
/// descriptors and sizes only — no section is decoded. Offsets are relative to the start of the message.
/// </summary>
/// <remarks>
/// Sections must appear in the order of §3.2 — header, delivery-annotations, message-annotations, properties,
/// application-properties, body, footer — each at most once, with body sections contiguous and of one kind
/// (one or more data, one or more amqp-sequence, or exactly one amqp-value). Anything else, an unknown
/// descriptor, a section of the wrong AMQP type or a truncated length throws <see cref="AmqpDecodeException"/>.
/// </remarks>
public readonly struct MessageSections
{
    public SectionRange Header { get; init; }

    public SectionRange DeliveryAnnotations { get; init; }

    public SectionRange MessageAnnotations { get; init; }

    public SectionRange Properties { get; init; }

    public SectionRange ApplicationProperties { get; init; }

    /// <summary>All body sections together.</summary>
    public SectionRange Body { get; init; }

    public MessageBodyKind BodyKind { get; init; }

    public int BodySectionCount { get; init; }

    public SectionRange Footer { get; init; }

    /// <summary>The whole message's length.</summary>
    public int Length { get; init; }

    /// <summary>Splits an encoded message into sections.</summary>
    /// <exception cref="AmqpDecodeException">The bytes are not a well-formed message.</exception>
    public static MessageSections Scan(ReadOnlySpan<byte> message)
    {
        var builder = new Builder();
        int offset = 0;
        while (offset < message.Length)
        {
            var rest = message[offset..];
            int length = AmqpReader.GetEncodedLength(rest);
            var reader = new AmqpReader(rest[..length]);
            if (!reader.IsNextDescribed)
            {
                throw new AmqpDecodeException("A message section must be a described value (AMQP 1.0 §3.2).");
            }

            ulong code = reader.ReadDescriptorCode();
            builder.Add(code, reader.PeekFormatCode(), offset, length);
            offset += length;
        }

        return builder.Build(message.Length);
    }

    public static MessageSections Scan(ReadOnlyMemory<byte> message) => Scan(message.Span);

    /// <summary>Splits a message held in a possibly multi-segment sequence, copying only section headers.</summary>
    public static MessageSections Scan(in ReadOnlySequence<byte> message)
    {
        if (message.IsSingleSegment)
        {
            return Scan(message.FirstSpan);
        }

        if (message.Length > int.MaxValue)
        {
            throw new AmqpDecodeException(AmqpErrorCode.MessageSizeExceeded, "The message is too large.");
        }

        var builder = new Builder();
        Span<byte> prefix = stackalloc byte[64];
        long offset = 0;
        while (offset < message.Length)
        {
            var rest = message.Slice(offset);
            int prefixLength = (int)Math.Min(prefix.Length, rest.Length);
            rest.Slice(0, prefixLength).CopyTo(prefix);
            var head = prefix[..prefixLength];
            if (!AmqpReader.TryGetDeclaredLength(head, out long declared))
            {
                throw new AmqpDecodeException("A message section header is too long or truncated.");
            }

            if (declared > rest.Length)
            {
                throw AmqpReader.Truncated();
            }

            var reader = new AmqpReader(head);
            if (!reader.IsNextDescribed)
            {
                throw new AmqpDecodeException("A message section must be a described value (AMQP 1.0 §3.2).");
            }

            ulong code = reader.ReadDescriptorCode();
            builder.Add(code, reader.PeekFormatCode(), (int)offset, (int)declared);
            offset += declared;
        }

        return builder.Build((int)message.Length);
    }

    private struct Builder
    {
        private MessageSections _result;
        private int _stage;
        private int _bodyStart;
        private int _bodyEnd;
        private int _bodyCount;
        private MessageBodyKind _bodyKind;

        public void Add(ulong code, byte valueCode, int offset, int length)
        {
            var range = new SectionRange(offset, length);
            switch (code)
            {
                case Descriptor.Header:
                    Expect(valueCode, list: true);
                    Advance(1);
                    _result = _result with { Header = range };
                    break;
                case Descriptor.DeliveryAnnotations:
                    Expect(valueCode, map: true);
                    Advance(2);
                    _result = _result with { DeliveryAnnotations = range };
                    break;
                case Descriptor.MessageAnnotations:
                    Expect(valueCode, map: true);
                    Advance(3);
                    _result = _result with { MessageAnnotations = range };
                    break;
                case Descriptor.Properties:
                    Expect(valueCode, list: true);
                    Advance(4);
                    _result = _result with { Properties = range };
                    break;
                case Descriptor.ApplicationProperties:
                    Expect(valueCode, map: true);
                    Advance(5);
                    _result = _result with { ApplicationProperties = range };
                    break;
                case Descriptor.Data:
                    if (valueCode is not (FormatCode.Binary8 or FormatCode.Binary32))
                    {
                        throw new AmqpDecodeException("A data section must hold binary (AMQP 1.0 §3.2.6).");
                    }

                    AddBody(MessageBodyKind.Data, offset, length);
                    break;
                case Descriptor.AmqpSequence:
                    Expect(valueCode, list: true);
                    AddBody(MessageBodyKind.AmqpSequence, offset, length);
                    break;
                case Descriptor.AmqpValue:
                    if (_bodyKind == MessageBodyKind.AmqpValue)
                    {
                        throw new AmqpDecodeException("A message holds at most one amqp-value section (AMQP 1.0 §3.2).");
                    }

                    AddBody(MessageBodyKind.AmqpValue, offset, length);
                    break;
                case Descriptor.Footer:
                    Expect(valueCode, map: true);
                    Advance(7);
                    _result = _result with { Footer = range };
                    break;
                default:
                    throw new AmqpDecodeException($"Unknown message section descriptor 0x{code:X} (AMQP 1.0 §3.2).");
            }
        }

        public readonly MessageSections Build(int length)
        {
            var result = _result with { Length = length, BodyKind = _bodyKind, BodySectionCount = _bodyCount };
            return _bodyCount > 0 ? result with { Body = new SectionRange(_bodyStart, _bodyEnd - _bodyStart) } : result;
        }

        private void AddBody(MessageBodyKind kind, int offset, int length)
        {
            if (_stage == 6 && _bodyKind == kind)
            {
                _bodyEnd = offset + length;
                _bodyCount++;
                return;
            }

            Advance(6);
            _bodyKind = kind;
            _bodyStart = offset;
            _bodyEnd = offset + length;
            _bodyCount = 1;
        }

        private void Advance(int stage)
        {
            if (stage <= _stage)
            {
                throw new AmqpDecodeException("Message sections are repeated or out of order (AMQP 1.0 §3.2).");
            }

            _stage = stage;
        }

        private static void Expect(byte valueCode, bool list = false, bool map = false)
        {
            bool ok = (list && valueCode is FormatCode.List0 or FormatCode.List8 or FormatCode.List32)
                || (map && valueCode is FormatCode.Map8 or FormatCode.Map32)
                || valueCode == FormatCode.Null;
            if (!ok)
            {
                throw new AmqpDecodeException($"Unexpected format code 0x{valueCode:X2} for a message section (AMQP 1.0 §3.2).");
            }
        }
    }
}
