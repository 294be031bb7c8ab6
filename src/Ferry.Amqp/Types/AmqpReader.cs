using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Text;

namespace Ferry.Amqp;

/// <summary>
/// Decodes AMQP 1.0 values (AMQP 1.0 §1.6) from a span. Every length and count is checked against the bytes
/// that remain before anything is sliced or allocated; malformed input throws <see cref="AmqpDecodeException"/>
/// and nothing else. Typed reads accept every encoding of their type (uint accepts uint0, smalluint and uint).
/// </summary>
/// <remarks>
/// Compound reads (<see cref="ReadList"/>, <see cref="ReadMap"/>) return a reader bounded to the compound's
/// body, so a field can never read past its container. Spans returned by <see cref="ReadBinary"/> and friends
/// alias the input; copy them if they must outlive it.
/// </remarks>
public ref partial struct AmqpReader
{
    /// <summary>Deepest nesting of described/compound values the object-model decoder accepts.</summary>
    public const int MaxDepth = 64;

    private readonly ReadOnlySpan<byte> _buffer;
    private int _pos;

    public AmqpReader(ReadOnlySpan<byte> buffer)
    {
        _buffer = buffer;
        _pos = 0;
    }

    public readonly int Position => _pos;

    public readonly int Remaining => _buffer.Length - _pos;

    public readonly bool IsEnd => _pos >= _buffer.Length;

    public readonly ReadOnlySpan<byte> RemainingSpan => _buffer[_pos..];

    /// <summary>The format code of the next value (0x00 for a described value), without consuming it.</summary>
    public readonly byte PeekFormatCode()
    {
        if (_pos >= _buffer.Length)
        {
            throw Truncated();
        }

        return _buffer[_pos];
    }

    public readonly bool IsNextNull => _pos < _buffer.Length && _buffer[_pos] == FormatCode.Null;

    public readonly bool IsNextDescribed => _pos < _buffer.Length && _buffer[_pos] == FormatCode.Described;

    /// <summary>Consumes a null value if one is next.</summary>
    public bool TryReadNull()
    {
        if (_pos < _buffer.Length && _buffer[_pos] == FormatCode.Null)
        {
            _pos++;
            return true;
        }

        return false;
    }

    /// <summary>For reading a composite's fields: true if field <paramref name="remaining"/> is present and not null.
    /// Decrements <paramref name="remaining"/>; a missing or null field is consumed and yields false.</summary>
    public bool NextField(ref int remaining)
    {
        if (remaining <= 0)
        {
            return false;
        }

        remaining--;
        return !TryReadNull();
    }

    public bool ReadBoolean()
    {
        byte code = ReadCode();
        switch (code)
        {
            case FormatCode.BooleanTrue: return true;
            case FormatCode.BooleanFalse: return false;
            case FormatCode.Boolean:
                byte b = ReadSpan(1)[0];
                return b switch
                {
                    0 => false,
                    1 => true,
                    _ => throw new AmqpDecodeException($"Invalid boolean byte 0x{b:X2}."),
                };
            default: throw Unexpected(code, "boolean");
        }
    }

    public byte ReadUByte()
    {
        byte code = ReadCode();
        return code == FormatCode.UByte ? ReadSpan(1)[0] : throw Unexpected(code, "ubyte");
    }

    /// <summary>Reads a ushort; a ubyte is widened.</summary>
    public ushort ReadUShort()
    {
        byte code = ReadCode();
        return code switch
        {
            FormatCode.UShort => BinaryPrimitives.ReadUInt16BigEndian(ReadSpan(2)),
            FormatCode.UByte => ReadSpan(1)[0],
            _ => throw Unexpected(code, "ushort"),
        };
    }

    /// <summary>Reads a uint (uint0, smalluint, uint); ubyte and ushort are widened.</summary>
    public uint ReadUInt()
    {
        byte code = ReadCode();
        return code switch
        {
            FormatCode.UInt0 => 0,
            FormatCode.SmallUInt or FormatCode.UByte => ReadSpan(1)[0],
            FormatCode.UInt => BinaryPrimitives.ReadUInt32BigEndian(ReadSpan(4)),
            FormatCode.UShort => BinaryPrimitives.ReadUInt16BigEndian(ReadSpan(2)),
            _ => throw Unexpected(code, "uint"),
        };
    }

    /// <summary>Reads a ulong (ulong0, smallulong, ulong); narrower unsigned types are widened.</summary>
    public ulong ReadULong()
    {
        byte code = ReadCode();
        return code switch
        {
            FormatCode.ULong0 or FormatCode.UInt0 => 0,
            FormatCode.SmallULong or FormatCode.SmallUInt or FormatCode.UByte => ReadSpan(1)[0],
            FormatCode.ULong => BinaryPrimitives.ReadUInt64BigEndian(ReadSpan(8)),
            FormatCode.UInt => BinaryPrimitives.ReadUInt32BigEndian(ReadSpan(4)),
            FormatCode.UShort => BinaryPrimitives.ReadUInt16BigEndian(ReadSpan(2)),
            _ => throw Unexpected(code, "ulong"),
        };
    }

    public sbyte ReadByte()
    {
        byte code = ReadCode();
        return code == FormatCode.Byte ? (sbyte)ReadSpan(1)[0] : throw Unexpected(code, "byte");
    }

    public short ReadShort()
    {
        byte code = ReadCode();
        return code switch
        {
            FormatCode.Short => BinaryPrimitives.ReadInt16BigEndian(ReadSpan(2)),
            FormatCode.Byte => (sbyte)ReadSpan(1)[0],
            _ => throw Unexpected(code, "short"),
        };
    }

    /// <summary>Reads an int (smallint, int); byte and short are widened.</summary>
    public int ReadInt()
    {
        byte code = ReadCode();
        return code switch
        {
            FormatCode.SmallInt or FormatCode.Byte => (sbyte)ReadSpan(1)[0],
            FormatCode.Int => BinaryPrimitives.ReadInt32BigEndian(ReadSpan(4)),
            FormatCode.Short => BinaryPrimitives.ReadInt16BigEndian(ReadSpan(2)),
            _ => throw Unexpected(code, "int"),
        };
    }

    /// <summary>Reads a long (smalllong, long); narrower signed types are widened.</summary>
    public long ReadLong()
    {
        byte code = ReadCode();
        return code switch
        {
            FormatCode.SmallLong or FormatCode.SmallInt or FormatCode.Byte => (sbyte)ReadSpan(1)[0],
            FormatCode.Long => BinaryPrimitives.ReadInt64BigEndian(ReadSpan(8)),
            FormatCode.Int => BinaryPrimitives.ReadInt32BigEndian(ReadSpan(4)),
            FormatCode.Short => BinaryPrimitives.ReadInt16BigEndian(ReadSpan(2)),
            _ => throw Unexpected(code, "long"),
        };
    }

    public float ReadFloat()
    {
        byte code = ReadCode();
        return code == FormatCode.Float ? BinaryPrimitives.ReadSingleBigEndian(ReadSpan(4)) : throw Unexpected(code, "float");
    }

    public double ReadDouble()
    {
        byte code = ReadCode();
        return code switch
        {
            FormatCode.Double => BinaryPrimitives.ReadDoubleBigEndian(ReadSpan(8)),
            FormatCode.Float => BinaryPrimitives.ReadSingleBigEndian(ReadSpan(4)),
            _ => throw Unexpected(code, "double"),
        };
    }

    /// <summary>Reads a timestamp as milliseconds since the Unix epoch (AMQP 1.0 §1.6.18).</summary>
    public long ReadTimestampMilliseconds()
    {
        byte code = ReadCode();
        return code == FormatCode.Timestamp ? BinaryPrimitives.ReadInt64BigEndian(ReadSpan(8)) : throw Unexpected(code, "timestamp");
    }

    /// <summary>Reads a timestamp as UTC; values outside <see cref="DateTimeOffset"/>'s range clamp to its minimum or maximum.</summary>
    public DateTimeOffset ReadTimestamp() => AmqpTimestamp.ToDateTimeOffset(ReadTimestampMilliseconds());

    /// <summary>Reads a uuid from RFC 4122 (big-endian) byte order.</summary>
    public Guid ReadUuid()
    {
        byte code = ReadCode();
        return code == FormatCode.Uuid ? new Guid(ReadSpan(16), bigEndian: true) : throw Unexpected(code, "uuid");
    }

    /// <summary>Reads binary (vbin8/vbin32); the span aliases the input.</summary>
    public ReadOnlySpan<byte> ReadBinary()
    {
        byte code = ReadCode();
        return code switch
        {
            FormatCode.Binary8 => ReadSpan(ReadSpan(1)[0]),
            FormatCode.Binary32 => ReadSpan(ReadLength32()),
            _ => throw Unexpected(code, "binary"),
        };
    }

    /// <summary>Reads a string's UTF-8 bytes without decoding them; the span aliases the input.</summary>
    public ReadOnlySpan<byte> ReadStringUtf8()
    {
        byte code = ReadCode();
        return code switch
        {
            FormatCode.String8 => ReadSpan(ReadSpan(1)[0]),
            FormatCode.String32 => ReadSpan(ReadLength32()),
            _ => throw Unexpected(code, "string"),
        };
    }

    /// <summary>Reads a string; invalid UTF-8 sequences decode to U+FFFD.</summary>
    public string ReadString() => Encoding.UTF8.GetString(ReadStringUtf8());

    /// <summary>Reads a symbol's ASCII bytes without allocating; the span aliases the input.</summary>
    public ReadOnlySpan<byte> ReadSymbolAscii()
    {
        byte code = ReadCode();
        return code switch
        {
            FormatCode.Symbol8 => ReadSpan(ReadSpan(1)[0]),
            FormatCode.Symbol32 => ReadSpan(ReadLength32()),
            _ => throw Unexpected(code, "symbol"),
        };
    }

    /// <summary>Reads a symbol; a byte above 0x7F throws (symbols are ASCII, AMQP 1.0 §1.6.21).</summary>
    public AmqpSymbol ReadSymbol() => new(DecodeAscii(ReadSymbolAscii()));

    /// <summary>Reads a symbol-or-null and compares it with ASCII bytes without allocating.</summary>
    public bool ReadSymbolEquals(scoped ReadOnlySpan<byte> ascii) => ReadSymbolAscii().SequenceEqual(ascii);

    /// <summary>
    /// Opens a list (list0, list8, list32, AMQP 1.0 §1.6.22): returns a reader bounded to its body and the
    /// element count. The count is checked against the body length (every element takes at least one byte).
    /// </summary>
    public AmqpReader ReadList(out int count)
    {
        byte code = ReadCode();
        switch (code)
        {
            case FormatCode.List0:
                count = 0;
                return default;
            case FormatCode.List8:
                return ReadCompound8(out count);
            case FormatCode.List32:
                return ReadCompound32(out count);
            default:
                throw Unexpected(code, "list");
        }
    }

    /// <summary>Opens a map (map8, map32, AMQP 1.0 §1.6.23); <paramref name="entryCount"/> is key/value pairs.</summary>
    public AmqpReader ReadMap(out int entryCount)
    {
        byte code = ReadCode();
        AmqpReader body = code switch
        {
            FormatCode.Map8 => ReadCompound8(out entryCount),
            FormatCode.Map32 => ReadCompound32(out entryCount),
            _ => throw Unexpected(code, "map"),
        };
        if ((entryCount & 1) != 0)
        {
            throw new AmqpDecodeException("A map must hold an even number of elements (AMQP 1.0 §1.6.23).");
        }

        entryCount /= 2;
        return body;
    }

    /// <summary>
    /// Reads the descriptor of a described value (AMQP 1.0 §1.2) when it is a ulong or a symbol. A symbolic
    /// descriptor yields code 0 and the symbol's ASCII bytes in <paramref name="symbol"/>.
    /// </summary>
    public ulong ReadDescriptor(out ReadOnlySpan<byte> symbol)
    {
        byte code = ReadCode();
        if (code != FormatCode.Described)
        {
            throw Unexpected(code, "described type");
        }

        symbol = default;
        byte descriptorCode = PeekFormatCode();
        if (descriptorCode is FormatCode.Symbol8 or FormatCode.Symbol32)
        {
            symbol = ReadSymbolAscii();
            return 0;
        }

        return ReadULong();
    }

    /// <summary>Reads a described value's descriptor and maps symbolic descriptors of known types to their codes.</summary>
    public ulong ReadDescriptorCode()
    {
        ulong code = ReadDescriptor(out var symbol);
        if (!symbol.IsEmpty)
        {
            code = Descriptor.FromSymbol(symbol);
        }

        return code;
    }

    /// <summary>Consumes the next value whatever it is, without decoding it.</summary>
    public void SkipValue() => _pos += GetValueLength(_buffer[_pos..], 0);

    /// <summary>Returns the encoded bytes of the next value (constructor included) and consumes them.</summary>
    public ReadOnlySpan<byte> ReadEncodedValue()
    {
        int length = GetValueLength(_buffer[_pos..], 0);
        var s = _buffer.Slice(_pos, length);
        _pos += length;
        return s;
    }

    /// <summary>
    /// The length in bytes of the first encoded value in <paramref name="encoded"/>, constructor included, checked
    /// against <paramref name="encoded"/>'s length.
    /// </summary>
    public static int GetEncodedLength(ReadOnlySpan<byte> encoded) => GetValueLength(encoded, 0);

    /// <summary>
    /// The declared length of the value that starts <paramref name="prefix"/>, read from its constructor and size
    /// fields only (the data need not be present). Returns false when the prefix is too short to tell.
    /// </summary>
    /// <exception cref="AmqpDecodeException">An unknown format code or nesting too deep.</exception>
    public static bool TryGetDeclaredLength(ReadOnlySpan<byte> prefix, out long length) => TryGetDeclaredLength(prefix, 0, out length);

    private static bool TryGetDeclaredLength(ReadOnlySpan<byte> s, int depth, out long length)
    {
        length = 0;
        if (s.IsEmpty)
        {
            return false;
        }

        byte code = s[0];
        if (code == FormatCode.Described)
        {
            if (depth >= MaxDepth)
            {
                throw new AmqpDecodeException("Described values are nested too deeply.");
            }

            if (!TryGetDeclaredLength(s[1..], depth + 1, out long descriptorLength) || 1 + descriptorLength >= s.Length)
            {
                return false;
            }

            if (!TryGetDeclaredLength(s[(1 + (int)descriptorLength)..], depth + 1, out long valueLength))
            {
                return false;
            }

            length = 1 + descriptorLength + valueLength;
            return true;
        }

        switch (code >> 4)
        {
            case 0x4: length = 1; return true;
            case 0x5: length = 2; return true;
            case 0x6: length = 3; return true;
            case 0x7: length = 5; return true;
            case 0x8: length = 9; return true;
            case 0x9: length = 17; return true;
            case 0xA:
            case 0xC:
            case 0xE:
                if (s.Length < 2)
                {
                    return false;
                }

                length = 2L + s[1];
                return true;
            case 0xB:
            case 0xD:
            case 0xF:
                if (s.Length < 5)
                {
                    return false;
                }

                length = 5L + BinaryPrimitives.ReadUInt32BigEndian(s[1..]);
                return true;
            default:
                throw new AmqpDecodeException($"Unknown format code 0x{code:X2}.");
        }
    }

    internal static int GetValueLength(ReadOnlySpan<byte> s, int depth)
    {
        if (s.IsEmpty)
        {
            throw Truncated();
        }

        byte code = s[0];
        if (code == FormatCode.Described)
        {
            if (depth >= MaxDepth)
            {
                throw new AmqpDecodeException("Described values are nested too deeply.");
            }

            int descriptorLength = GetValueLength(s[1..], depth + 1);
            int valueLength = GetValueLength(s[(1 + descriptorLength)..], depth + 1);
            return 1 + descriptorLength + valueLength;
        }

        int length = 1 + GetDataLength(code, s[1..]);
        return length <= s.Length ? length : throw Truncated();
    }

    // The length of the data that follows a primitive constructor (AMQP 1.0 §1.2, width by subcategory).
    internal static int GetDataLength(byte code, ReadOnlySpan<byte> data)
    {
        switch (code >> 4)
        {
            case 0x4: return 0;
            case 0x5: return 1;
            case 0x6: return 2;
            case 0x7: return 4;
            case 0x8: return 8;
            case 0x9: return 16;
            case 0xA:
            case 0xC:
            case 0xE:
                if (data.IsEmpty)
                {
                    throw Truncated();
                }

                return 1 + data[0];
            case 0xB:
            case 0xD:
            case 0xF:
                if (data.Length < 4)
                {
                    throw Truncated();
                }

                uint size = BinaryPrimitives.ReadUInt32BigEndian(data);
                if (size > (uint)(data.Length - 4))
                {
                    throw Truncated();
                }

                return 4 + (int)size;
            default:
                throw new AmqpDecodeException($"Unknown format code 0x{code:X2}.");
        }
    }

    private AmqpReader ReadCompound8(out int count)
    {
        int size = ReadSpan(1)[0];
        if (size < 1)
        {
            throw new AmqpDecodeException("A compound size must cover its count.");
        }

        var body = ReadSpan(size);
        count = body[0];
        if (count > size - 1)
        {
            throw new AmqpDecodeException("A compound count exceeds its size.");
        }

        return new AmqpReader(body[1..]);
    }

    private AmqpReader ReadCompound32(out int count)
    {
        int size = ReadLength32();
        if (size < 4)
        {
            throw new AmqpDecodeException("A compound size must cover its count.");
        }

        var body = ReadSpan(size);
        uint n = BinaryPrimitives.ReadUInt32BigEndian(body);
        if (n > (uint)(size - 4))
        {
            throw new AmqpDecodeException("A compound count exceeds its size.");
        }

        count = (int)n;
        return new AmqpReader(body[4..]);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal byte ReadCode()
    {
        if (_pos >= _buffer.Length)
        {
            throw Truncated();
        }

        return _buffer[_pos++];
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal ReadOnlySpan<byte> ReadSpan(int length)
    {
        if ((uint)length > (uint)(_buffer.Length - _pos))
        {
            throw Truncated();
        }

        var s = _buffer.Slice(_pos, length);
        _pos += length;
        return s;
    }

    // A 32-bit length, checked against what remains before it becomes an int.
    private int ReadLength32()
    {
        uint n = BinaryPrimitives.ReadUInt32BigEndian(ReadSpan(4));
        if (n > (uint)(_buffer.Length - _pos))
        {
            throw Truncated();
        }

        return (int)n;
    }

    internal static string DecodeAscii(ReadOnlySpan<byte> ascii)
    {
        if (!Ascii.IsValid(ascii))
        {
            throw new AmqpDecodeException("A symbol holds a non-ASCII byte (AMQP 1.0 §1.6.21).");
        }

        return Encoding.ASCII.GetString(ascii);
    }

    internal static AmqpDecodeException Truncated() =>
        new("A value's length, count or constructor runs past the end of the data.");

    private static AmqpDecodeException Unexpected(byte code, string expected) =>
        new($"Expected {expected} but found format code 0x{code:X2}.");
}
