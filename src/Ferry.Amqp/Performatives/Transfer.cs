namespace Ferry.Amqp;

/// <summary>
/// The transfer performative (AMQP 1.0 §2.7.5). The message bytes are not part of this object: they follow the
/// performative in the frame body (see <see cref="Frame.ReadPerformative(out System.Buffers.ReadOnlySequence{byte})"/> and <c>FrameWriter.WriteTransfer</c>).
/// </summary>
public sealed class Transfer : Performative
{
    public override ulong DescriptorCode => Descriptor.Transfer;

    public uint Handle { get; set; }

    /// <summary>Required on the first transfer of a delivery; may be omitted on continuations.</summary>
    public uint? DeliveryId { get; set; }

    /// <summary>At most 32 bytes (§2.8.7). Service Bus uses the lock token in <see cref="Guid.ToByteArray()"/> order.</summary>
    public byte[]? DeliveryTag { get; set; }

    /// <summary>0 for a plain message; Service Bus batches use 0x80013700.</summary>
    public uint? MessageFormat { get; set; }

    public bool? Settled { get; set; }

    public bool More { get; set; }

    public ReceiverSettleMode? RcvSettleMode { get; set; }

    public DeliveryState? State { get; set; }

    public bool Resume { get; set; }

    public bool Aborted { get; set; }

    public bool Batchable { get; set; }

    public override void Encode(ref AmqpWriter writer)
    {
        var s = writer.BeginComposite(Descriptor.Transfer);
        writer.FieldUInt(ref s, Handle);
        writer.FieldUInt(ref s, DeliveryId);
        writer.FieldBinary(ref s, DeliveryTag);
        writer.FieldUInt(ref s, MessageFormat);
        writer.FieldBoolean(ref s, Settled);
        writer.FieldBoolean(ref s, More ? true : null);
        writer.FieldUByte(ref s, RcvSettleMode is { } mode ? (byte)mode : null);
        writer.FieldComposite(ref s, State);
        writer.FieldBoolean(ref s, Resume ? true : null);
        writer.FieldBoolean(ref s, Aborted ? true : null);
        writer.FieldBoolean(ref s, Batchable ? true : null);
        writer.EndComposite(s);
    }

    // Every field is assigned, present or not: a reused instance keeps nothing of the transfer decoded into it before.
    internal static Transfer DecodeFields(ref AmqpReader f, int n, Transfer? into = null)
    {
        var p = into ?? new Transfer();
        p.Handle = f.NextField(ref n) ? f.ReadUInt() : 0;
        p.DeliveryId = f.NextField(ref n) ? f.ReadUInt() : null;
        p.DeliveryTag = f.NextField(ref n) ? FieldReader.ReadBinary(ref f) : null;
        p.MessageFormat = f.NextField(ref n) ? f.ReadUInt() : null;
        p.Settled = f.NextField(ref n) ? f.ReadBoolean() : null;
        p.More = f.NextField(ref n) && f.ReadBoolean();
        p.RcvSettleMode = f.NextField(ref n) ? (ReceiverSettleMode)f.ReadUByte() : null;
        p.State = null;
        if (n > 0)
        {
            n--;
            p.State = DeliveryState.Decode(ref f);
        }

        p.Resume = f.NextField(ref n) && f.ReadBoolean();
        p.Aborted = f.NextField(ref n) && f.ReadBoolean();
        p.Batchable = f.NextField(ref n) && f.ReadBoolean();
        return p;
    }
}
