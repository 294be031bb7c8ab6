namespace Ferry.Amqp;

/// <summary>The properties section (AMQP 1.0 §3.2.4).</summary>
public sealed class Properties : IAmqpComposite
{
    public ulong DescriptorCode => Descriptor.Properties;

    /// <summary>A message-id: <see cref="string"/>, <see cref="Guid"/>, <see cref="ulong"/> or byte[] (§3.2.11–§3.2.15).</summary>
    public object? MessageId { get; set; }

    public byte[]? UserId { get; set; }

    public string? To { get; set; }

    public string? Subject { get; set; }

    public string? ReplyTo { get; set; }

    /// <summary>Same types as <see cref="MessageId"/>.</summary>
    public object? CorrelationId { get; set; }

    public AmqpSymbol? ContentType { get; set; }

    public AmqpSymbol? ContentEncoding { get; set; }

    public DateTimeOffset? AbsoluteExpiryTime { get; set; }

    public DateTimeOffset? CreationTime { get; set; }

    /// <summary>Service Bus carries the session id here.</summary>
    public string? GroupId { get; set; }

    public uint? GroupSequence { get; set; }

    public string? ReplyToGroupId { get; set; }

    public void Encode(ref AmqpWriter writer)
    {
        var s = writer.BeginComposite(Descriptor.Properties);
        writer.FieldValue(ref s, MessageId);
        writer.FieldBinary(ref s, UserId);
        writer.FieldString(ref s, To);
        writer.FieldString(ref s, Subject);
        writer.FieldString(ref s, ReplyTo);
        writer.FieldValue(ref s, CorrelationId);
        writer.FieldSymbol(ref s, ContentType);
        writer.FieldSymbol(ref s, ContentEncoding);
        writer.FieldTimestamp(ref s, AbsoluteExpiryTime);
        writer.FieldTimestamp(ref s, CreationTime);
        writer.FieldString(ref s, GroupId);
        writer.FieldUInt(ref s, GroupSequence);
        writer.FieldString(ref s, ReplyToGroupId);
        writer.EndComposite(s);
    }

    /// <summary>Decodes a properties section (descriptor included).</summary>
    public static Properties Decode(ReadOnlySpan<byte> section)
    {
        var reader = new AmqpReader(section);
        return Decode(ref reader);
    }

    public static Properties Decode(ref AmqpReader reader)
    {
        ulong code = reader.ReadDescriptorCode();
        if (code != Descriptor.Properties)
        {
            throw FieldReader.UnknownDescriptor(code, "properties");
        }

        var p = new Properties();
        if (reader.TryReadNull())
        {
            return p;
        }

        var f = reader.ReadList(out int n);
        if (f.NextField(ref n)) p.MessageId = f.ReadValue();
        if (f.NextField(ref n)) p.UserId = FieldReader.ReadBinary(ref f);
        if (f.NextField(ref n)) p.To = Source.ReadAddress(ref f);
        if (f.NextField(ref n)) p.Subject = f.ReadString();
        if (f.NextField(ref n)) p.ReplyTo = Source.ReadAddress(ref f);
        if (f.NextField(ref n)) p.CorrelationId = f.ReadValue();
        if (f.NextField(ref n)) p.ContentType = f.ReadSymbol();
        if (f.NextField(ref n)) p.ContentEncoding = f.ReadSymbol();
        if (f.NextField(ref n)) p.AbsoluteExpiryTime = f.ReadTimestamp();
        if (f.NextField(ref n)) p.CreationTime = f.ReadTimestamp();
        if (f.NextField(ref n)) p.GroupId = f.ReadString();
        if (f.NextField(ref n)) p.GroupSequence = f.ReadUInt();
        if (f.NextField(ref n)) p.ReplyToGroupId = f.ReadString();
        return p;
    }
}
