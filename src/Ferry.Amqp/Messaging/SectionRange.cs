namespace Ferry.Amqp;

/// <summary>Where a section's encoded bytes (descriptor included) sit inside an encoded message.
/// <see cref="Length"/> 0 means the section is absent.</summary>
public readonly record struct SectionRange(int Offset, int Length)
{
    public bool IsPresent => Length > 0;

    public int End => Offset + Length;

    public ReadOnlySpan<byte> Slice(ReadOnlySpan<byte> message) => message.Slice(Offset, Length);

    public ReadOnlyMemory<byte> Slice(ReadOnlyMemory<byte> message) => message.Slice(Offset, Length);
}
