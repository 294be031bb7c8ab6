namespace Ferry.Amqp;

/// <summary>Enumerates the data sections of a batch envelope (<see cref="ServiceBusBatch"/>); each
/// <see cref="Current"/> is one encoded message, a slice of the envelope.</summary>
public struct BatchMessageEnumerator
{
    private readonly ReadOnlyMemory<byte> _envelope;
    private readonly int _end;
    private int _position;

    internal BatchMessageEnumerator(ReadOnlyMemory<byte> envelope, SectionRange body)
    {
        _envelope = envelope;
        _position = body.Offset;
        _end = body.IsPresent ? body.End : body.Offset;
        Current = default;
    }

    public ReadOnlyMemory<byte> Current { get; private set; }

    public readonly BatchMessageEnumerator GetEnumerator() => this;

    public bool MoveNext()
    {
        if (_position >= _end)
        {
            return false;
        }

        var reader = new AmqpReader(_envelope.Span[_position.._end]);
        reader.ReadDescriptorCode();
        int length = reader.ReadBinary().Length;
        Current = _envelope.Slice(_position + reader.Position - length, length);
        _position += reader.Position;
        return true;
    }
}
