namespace Ferry.Amqp;

/// <summary>sasl-outcome (AMQP 1.0 §5.3.3.6); code 0 (ok) ends the SASL layer successfully.</summary>
public sealed class SaslOutcome : Performative
{
    public override ulong DescriptorCode => Descriptor.SaslOutcome;

    public SaslCode Code { get; set; }

    public byte[]? AdditionalData { get; set; }

    public override void Encode(ref AmqpWriter writer)
    {
        var s = writer.BeginComposite(Descriptor.SaslOutcome);
        writer.FieldUByte(ref s, (byte)Code);
        writer.FieldBinary(ref s, AdditionalData);
        writer.EndComposite(s);
    }

    internal static SaslOutcome DecodeFields(ref AmqpReader f, int n)
    {
        var p = new SaslOutcome();
        if (f.NextField(ref n)) p.Code = (SaslCode)f.ReadUByte();
        if (f.NextField(ref n)) p.AdditionalData = FieldReader.ReadBinary(ref f);
        return p;
    }
}
