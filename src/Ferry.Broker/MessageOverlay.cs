using System.Text;
using Ferry.Broker.Filters;

namespace Ferry.Broker;

/// <summary>
/// The broker-owned changes to a stored message: application-property overrides and removals, system-property
/// overrides (a subscription rule's SQL action) and the dead-letter source. Serialized into
/// <see cref="Storage.StoredMessage.Overlay"/> with a small tagged binary format.
/// </summary>
/// <remarks>
/// Layout, all through <see cref="BinaryWriter"/> (strings length-prefixed UTF-8, integers little-endian):
/// <code>
/// version:u8 (1 or 2) | hasSource:bool [source:string] | count:i32 { key:string value:tagged }
/// version 2 only:     | removed:i32 { key:string } | system:i32 { property:u8 value:tagged }
/// </code>
/// Version 1 is written when there are no removals or system overrides, so older builds still read such rows;
/// both versions are read.
/// </remarks>
internal sealed class MessageOverlay
{
    private enum Tag : byte
    {
        Null, String, Bool, Byte, SByte, Int16, UInt16, Int32, UInt32, Int64, UInt64, Single, Double, Char, Timestamp, Guid, Binary, TimeSpan,
    }

    public Dictionary<string, object?>? Properties { get; set; }

    /// <summary>Application properties of the stored message that are removed on delivery (a rule action's REMOVE).</summary>
    public HashSet<string>? RemovedProperties { get; set; }

    /// <summary>
    /// System properties replaced on delivery (a rule action's SET or REMOVE of <c>sys.X</c>); values as in
    /// <see cref="MessageModification.SetSystemProperties"/>, null meaning cleared.
    /// </summary>
    public Dictionary<SystemProperty, object?>? SystemProperties { get; set; }

    public string? DeadLetterSource { get; set; }

    public bool IsEmpty => (Properties is null || Properties.Count == 0) && (RemovedProperties is null || RemovedProperties.Count == 0)
        && (SystemProperties is null || SystemProperties.Count == 0) && DeadLetterSource is null;

    public MessageOverlay Clone() => new()
    {
        Properties = Properties is null ? null : new Dictionary<string, object?>(Properties, StringComparer.Ordinal),
        RemovedProperties = RemovedProperties is null ? null : new HashSet<string>(RemovedProperties, StringComparer.Ordinal),
        SystemProperties = SystemProperties is null ? null : new Dictionary<SystemProperty, object?>(SystemProperties),
        DeadLetterSource = DeadLetterSource,
    };

    /// <summary>Merges <paramref name="properties"/> over the current overrides (a removed property set again is no longer removed).</summary>
    public void Apply(IReadOnlyDictionary<string, object?>? properties)
    {
        if (properties is null || properties.Count == 0)
            return;
        foreach (var (key, value) in properties)
        {
            CheckSupported(key, value);
            Set(key, value);
        }
    }

    /// <summary>Merges a rule action's changes: removals, then sets, then system properties, as the action computed them.</summary>
    public void Apply(MessageModification modification)
    {
        foreach (var key in modification.RemovedProperties)
        {
            Properties?.Remove(key);
            (RemovedProperties ??= new HashSet<string>(StringComparer.Ordinal)).Add(key);
        }
        Apply(modification.SetProperties);
        foreach (var (property, value) in modification.SetSystemProperties)
            (SystemProperties ??= [])[property] = value;
    }

    public void Set(string key, object? value)
    {
        Properties ??= new Dictionary<string, object?>(StringComparer.Ordinal);
        Properties[key] = value;
        RemovedProperties?.Remove(key);
    }

    private static void CheckSupported(string key, object? value)
    {
        if (value is null or string or bool or byte or sbyte or short or ushort or int or uint or long or ulong or float or double or char
            or DateTimeOffset or DateTime or Guid or byte[] or TimeSpan)
            return;
        throw new BrokerException(BrokerErrorCode.InvalidArgument,
            $"The property '{key}' has a value of type {value.GetType().Name}, which a message property cannot hold.");
    }

    public byte[]? Serialize()
    {
        if (IsEmpty)
            return null;
        using var stream = new MemoryStream();
        using var writer = new BinaryWriter(stream, Encoding.UTF8);
        var removed = RemovedProperties is { Count: > 0 } r ? r : null;
        var system = SystemProperties is { Count: > 0 } sp ? sp : null;
        writer.Write((byte)(removed is null && system is null ? 1 : 2));
        writer.Write(DeadLetterSource is not null);
        if (DeadLetterSource is not null)
            writer.Write(DeadLetterSource);
        var properties = Properties;
        writer.Write(properties?.Count ?? 0);
        if (properties is not null)
        {
            foreach (var (key, value) in properties)
            {
                writer.Write(key);
                WriteValue(writer, value);
            }
        }
        if (removed is not null || system is not null)
        {
            writer.Write(removed?.Count ?? 0);
            if (removed is not null)
            {
                foreach (var key in removed)
                    writer.Write(key);
            }
            writer.Write(system?.Count ?? 0);
            if (system is not null)
            {
                foreach (var (property, value) in system)
                {
                    writer.Write((byte)property);
                    WriteValue(writer, value);
                }
            }
        }
        writer.Flush();
        return stream.ToArray();
    }

    public static MessageOverlay? Deserialize(byte[]? data)
    {
        if (data is null || data.Length == 0)
            return null;
        using var reader = new BinaryReader(new MemoryStream(data), Encoding.UTF8);
        var version = reader.ReadByte();
        if (version is not (1 or 2))
            throw new InvalidDataException($"Unknown message overlay version {version}.");
        var overlay = new MessageOverlay();
        if (reader.ReadBoolean())
            overlay.DeadLetterSource = reader.ReadString();
        var count = reader.ReadInt32();
        if (count > 0)
        {
            overlay.Properties = new Dictionary<string, object?>(count, StringComparer.Ordinal);
            for (var i = 0; i < count; i++)
                overlay.Properties[reader.ReadString()] = ReadValue(reader);
        }
        if (version == 1)
            return overlay;
        var removed = reader.ReadInt32();
        if (removed > 0)
        {
            overlay.RemovedProperties = new HashSet<string>(removed, StringComparer.Ordinal);
            for (var i = 0; i < removed; i++)
                overlay.RemovedProperties.Add(reader.ReadString());
        }
        var system = reader.ReadInt32();
        if (system > 0)
        {
            overlay.SystemProperties = new Dictionary<SystemProperty, object?>(system);
            for (var i = 0; i < system; i++)
            {
                var property = (SystemProperty)reader.ReadByte();
                if (!Enum.IsDefined(property) || !Filters.SystemProperties.IsSettable(property))
                    throw new InvalidDataException($"Unknown system property {(byte)property} in a message overlay.");
                overlay.SystemProperties[property] = ReadValue(reader);
            }
        }
        return overlay;
    }

    private static void WriteValue(BinaryWriter writer, object? value)
    {
        switch (value)
        {
            case null: writer.Write((byte)Tag.Null); break;
            case string s: writer.Write((byte)Tag.String); writer.Write(s); break;
            case bool b: writer.Write((byte)Tag.Bool); writer.Write(b); break;
            case byte b: writer.Write((byte)Tag.Byte); writer.Write(b); break;
            case sbyte b: writer.Write((byte)Tag.SByte); writer.Write(b); break;
            case short v: writer.Write((byte)Tag.Int16); writer.Write(v); break;
            case ushort v: writer.Write((byte)Tag.UInt16); writer.Write(v); break;
            case int v: writer.Write((byte)Tag.Int32); writer.Write(v); break;
            case uint v: writer.Write((byte)Tag.UInt32); writer.Write(v); break;
            case long v: writer.Write((byte)Tag.Int64); writer.Write(v); break;
            case ulong v: writer.Write((byte)Tag.UInt64); writer.Write(v); break;
            case float v: writer.Write((byte)Tag.Single); writer.Write(v); break;
            case double v: writer.Write((byte)Tag.Double); writer.Write(v); break;
            case char v: writer.Write((byte)Tag.Char); writer.Write((ushort)v); break;
            case DateTimeOffset v: writer.Write((byte)Tag.Timestamp); writer.Write(v.UtcTicks); break;
            case DateTime v: writer.Write((byte)Tag.Timestamp); writer.Write(v.ToUniversalTime().Ticks); break;
            case Guid v:
                writer.Write((byte)Tag.Guid);
                Span<byte> bytes = stackalloc byte[16];
                v.TryWriteBytes(bytes);
                writer.Write(bytes);
                break;
            case byte[] v: writer.Write((byte)Tag.Binary); writer.Write(v.Length); writer.Write(v); break;
            case TimeSpan v: writer.Write((byte)Tag.TimeSpan); writer.Write(v.Ticks); break;
            default: throw new InvalidOperationException($"Unsupported overlay value type {value.GetType()}.");
        }
    }

    private static object? ReadValue(BinaryReader reader) => (Tag)reader.ReadByte() switch
    {
        Tag.Null => null,
        Tag.String => reader.ReadString(),
        Tag.Bool => reader.ReadBoolean(),
        Tag.Byte => reader.ReadByte(),
        Tag.SByte => reader.ReadSByte(),
        Tag.Int16 => reader.ReadInt16(),
        Tag.UInt16 => reader.ReadUInt16(),
        Tag.Int32 => reader.ReadInt32(),
        Tag.UInt32 => reader.ReadUInt32(),
        Tag.Int64 => reader.ReadInt64(),
        Tag.UInt64 => reader.ReadUInt64(),
        Tag.Single => reader.ReadSingle(),
        Tag.Double => reader.ReadDouble(),
        Tag.Char => (char)reader.ReadUInt16(),
        Tag.Timestamp => new DateTimeOffset(reader.ReadInt64(), TimeSpan.Zero),
        Tag.Guid => new Guid(reader.ReadBytes(16)),
        Tag.Binary => reader.ReadBytes(reader.ReadInt32()),
        Tag.TimeSpan => new TimeSpan(reader.ReadInt64()),
        var tag => throw new InvalidDataException($"Unknown message overlay tag {(byte)tag}."),
    };
}
