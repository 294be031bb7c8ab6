namespace Ferry.Amqp;

/// <summary>
/// The transfer performative (AMQP 1.0 §2.7.5). The message bytes are not part of this object: they follow the
/// performative in the frame body (see <see cref="Frame.ReadPerformative"/> and <c>FrameWriter.WriteTransfer</c>).
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

    internal static Transfer DecodeFields(ref AmqpReader f, int n)
    {
        var p = new Transfer();
        if (f.NextField(ref n)) p.Handle = f.ReadUInt();
        if (f.NextField(ref n)) p.DeliveryId = f.ReadUInt();
        if (f.NextField(ref n)) p.DeliveryTag = FieldReader.ReadBinary(ref f);
        if (f.NextField(ref n)) p.MessageFormat = f.ReadUInt();
        if (f.NextField(ref n)) p.Settled = f.ReadBoolean();
        if (f.NextField(ref n)) p.More = f.ReadBoolean();
        if (f.NextField(ref n)) p.RcvSettleMode = (ReceiverSettleMode)f.ReadUByte();
        if (n > 0)
        {
            n--;
            p.State = DeliveryState.Decode(ref f);
        }

        if (f.NextField(ref n)) p.Resume = f.ReadBoolean();
        if (f.NextField(ref n)) p.Aborted = f.ReadBoolean();
        if (f.NextField(ref n)) p.Batchable = f.ReadBoolean();
        return p;
    }
}
