namespace Ferry.Amqp;

/// <summary>Encode and decode the map-valued sections: delivery-annotations, message-annotations,
/// application-properties and footer (AMQP 1.0 §3.2.2, §3.2.3, §3.2.5, §3.2.10).</summary>
public static class MapSection
{
    /// <summary>Writes a map section with the given descriptor (for example <see cref="Descriptor.MessageAnnotations"/>).</summary>
    public static void Encode(ref AmqpWriter writer, ulong descriptor, AmqpMap map)
    {
        writer.WriteDescriptor(descriptor);
        writer.WriteMap(map);
    }

    /// <summary>Decodes a map section (descriptor included) into an <see cref="AmqpMap"/>; a null value gives an empty map.</summary>
    public static AmqpMap Decode(ReadOnlySpan<byte> section)
    {
        var reader = new AmqpReader(section);
        reader.ReadDescriptorCode();
        if (reader.TryReadNull())
        {
            return new AmqpMap();
        }

        return FieldReader.ReadMap(ref reader);
    }
}
