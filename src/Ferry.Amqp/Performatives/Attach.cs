namespace Ferry.Amqp;

/// <summary>The attach performative (AMQP 1.0 §2.7.3).</summary>
public sealed class Attach : Performative
{
    public override ulong DescriptorCode => Descriptor.Attach;

    public string Name { get; set; } = string.Empty;

    public uint Handle { get; set; }

    public Role Role { get; set; }

    /// <summary>Default mixed.</summary>
    public SenderSettleMode SndSettleMode { get; set; } = SenderSettleMode.Mixed;

    /// <summary>Default first.</summary>
    public ReceiverSettleMode RcvSettleMode { get; set; } = ReceiverSettleMode.First;

    /// <summary>Null encodes the null source, which is how a broker refuses a link (§2.6.3).</summary>
    public Source? Source { get; set; }

    /// <summary>The target terminus; null when the target is a <see cref="Coordinator"/> (or absent).</summary>
    public Target? Target { get; set; }

    /// <summary>Set instead of <see cref="Target"/> when the link's target is a transaction coordinator (§4.5.1).</summary>
    public Coordinator? Coordinator { get; set; }

    public AmqpMap? Unsettled { get; set; }

    public bool IncompleteUnsettled { get; set; }

    /// <summary>Required when the role is sender (§2.7.3).</summary>
    public uint? InitialDeliveryCount { get; set; }

    /// <summary>Null or 0 means no limit. Service Bus clients treat 0 as "nothing fits": send a positive value or null.</summary>
    public ulong? MaxMessageSize { get; set; }

    public AmqpSymbol[]? OfferedCapabilities { get; set; }

    public AmqpSymbol[]? DesiredCapabilities { get; set; }

    public AmqpMap? Properties { get; set; }

    public override void Encode(ref AmqpWriter writer)
    {
        var s = writer.BeginComposite(Descriptor.Attach);
        writer.FieldString(ref s, Name);
        writer.FieldUInt(ref s, Handle);
        writer.FieldBoolean(ref s, Role == Role.Receiver);
        writer.FieldUByte(ref s, SndSettleMode == SenderSettleMode.Mixed ? null : (byte)SndSettleMode);
        writer.FieldUByte(ref s, RcvSettleMode == ReceiverSettleMode.First ? null : (byte)RcvSettleMode);
        writer.FieldComposite(ref s, Source);
        writer.FieldComposite(ref s, Coordinator is null ? Target : Coordinator);
        writer.FieldMap(ref s, Unsettled);
        writer.FieldBoolean(ref s, IncompleteUnsettled ? true : null);
        writer.FieldUInt(ref s, InitialDeliveryCount);
        writer.FieldULong(ref s, MaxMessageSize);
        writer.FieldSymbols(ref s, OfferedCapabilities);
        writer.FieldSymbols(ref s, DesiredCapabilities);
        writer.FieldMap(ref s, Properties);
        writer.EndComposite(s);
    }

    internal static Attach DecodeFields(ref AmqpReader f, int n)
    {
        var p = new Attach();
        if (f.NextField(ref n)) p.Name = f.ReadString();
        if (f.NextField(ref n)) p.Handle = f.ReadUInt();
        if (f.NextField(ref n)) p.Role = f.ReadBoolean() ? Role.Receiver : Role.Sender;
        if (f.NextField(ref n)) p.SndSettleMode = (SenderSettleMode)f.ReadUByte();
        if (f.NextField(ref n)) p.RcvSettleMode = (ReceiverSettleMode)f.ReadUByte();
        if (n > 0)
        {
            n--;
            p.Source = Source.Decode(ref f);
        }

        if (n > 0)
        {
            n--;
            // The target is a target (§3.5.4) or a coordinator (§4.5.1): peek at the descriptor on a copy of the reader.
            var peek = f;
            if (!peek.TryReadNull() && peek.ReadDescriptorCode() == Descriptor.Coordinator)
            {
                var fields = peek.ReadList(out int count);
                p.Coordinator = Coordinator.DecodeFields(ref fields, count);
                f = peek;
            }
            else
            {
                p.Target = Target.Decode(ref f);
            }
        }

        if (f.NextField(ref n)) p.Unsettled = FieldReader.ReadMap(ref f);
        if (f.NextField(ref n)) p.IncompleteUnsettled = f.ReadBoolean();
        if (f.NextField(ref n)) p.InitialDeliveryCount = f.ReadUInt();
        if (f.NextField(ref n)) p.MaxMessageSize = f.ReadULong();
        if (f.NextField(ref n)) p.OfferedCapabilities = FieldReader.ReadSymbols(ref f);
        if (f.NextField(ref n)) p.DesiredCapabilities = FieldReader.ReadSymbols(ref f);
        if (f.NextField(ref n)) p.Properties = FieldReader.ReadMap(ref f);
        return p;
    }
}
