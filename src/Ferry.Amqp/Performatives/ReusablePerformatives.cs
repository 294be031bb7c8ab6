namespace Ferry.Amqp;

/// <summary>
/// One transfer and one disposition that a reader decodes into again and again, instead of allocating a new one for
/// each frame: the two performatives that arrive once per message. Pass it to
/// <see cref="Frame.ReadPerformative(out System.Buffers.ReadOnlySequence{byte}, ReusablePerformatives)"/>.
/// </summary>
/// <remarks>
/// Ownership: a performative decoded into these instances is valid until the next decode with the same object; a caller
/// that needs it longer copies the fields it needs. The objects a field refers to (a delivery tag, a delivery state) are
/// new with each decode and may be kept. Not thread-safe: one reader, one frame at a time.
/// </remarks>
public sealed class ReusablePerformatives
{
    public Transfer Transfer { get; } = new();

    public Disposition Disposition { get; } = new();
}
