using System.Buffers.Binary;
using System.Collections;
using System.Text;

namespace Ferry.Amqp;

public ref partial struct AmqpWriter
{
    /// <summary>
    /// Writes a value of the generic object model: null, bool, byte (ubyte), ushort, uint, ulong, sbyte (byte),
    /// short, int, long, float, double, <see cref="AmqpDecimal32"/>/64/128, <see cref="Rune"/> or char (char),
    /// <see cref="DateTimeOffset"/> or <see cref="DateTime"/> (timestamp), <see cref="Guid"/> (uuid),
    /// byte[]/<see cref="ReadOnlyMemory{T}"/>/<see cref="ArraySegment{T}"/> of byte (binary), string,
    /// <see cref="AmqpSymbol"/>, <see cref="AmqpMap"/> or <see cref="IDictionary"/> (map), any other
    /// <see cref="Array"/> (array, AMQP 1.0 §1.6.24), <see cref="IList"/> including object[] (list),
    /// <see cref="DescribedValue"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The value, or an element of it, has no AMQP encoding.</exception>
    public void WriteValue(object? value)
    {
        switch (value)
        {
            case null: WriteNull(); break;
            case bool v: WriteBoolean(v); break;
            case byte v: WriteUByte(v); break;
            case ushort v: WriteUShort(v); break;
            case uint v: WriteUInt(v); break;
            case ulong v: WriteULong(v); break;
            case sbyte v: WriteByte(v); break;
            case short v: WriteShort(v); break;
            case int v: WriteInt(v); break;
            case long v: WriteLong(v); break;
            case float v: WriteFloat(v); break;
            case double v: WriteDouble(v); break;
            case AmqpDecimal32 v: WriteDecimal32(v); break;
            case AmqpDecimal64 v: WriteDecimal64(v); break;
            case AmqpDecimal128 v: WriteDecimal128(v); break;
            case Rune v: WriteChar(v); break;
            case char v: WriteChar(new Rune(v)); break;
            case DateTimeOffset v: WriteTimestamp(v); break;
            case DateTime v: WriteTimestamp(new DateTimeOffset(v.Kind == DateTimeKind.Local ? v.ToUniversalTime() : DateTime.SpecifyKind(v, DateTimeKind.Utc))); break;
            case Guid v: WriteUuid(v); break;
            case byte[] v: WriteBinary(v); break;
            case ReadOnlyMemory<byte> v: WriteBinary(v.Span); break;
            case Memory<byte> v: WriteBinary(v.Span); break;
            case ArraySegment<byte> v: WriteBinary(v); break;
            case string v: WriteString(v); break;
            case AmqpSymbol v: WriteSymbol(v); break;
            case DescribedValue v: WriteDescribed(v); break;
            case AmqpMap v: WriteMap(v); break;
            case IDictionary v: WriteDictionary(v); break;
            case Array v when v.GetType().GetElementType() != typeof(object): WriteArray(v); break;
            case IList v: WriteList(v); break;
            default: throw new ArgumentException($"The type {value.GetType()} has no AMQP encoding.", nameof(value));
        }
    }

    public void WriteDescribed(DescribedValue value)
    {
        Reserve(1)[0] = FormatCode.Described;
        WriteValue(value.Descriptor);
        WriteValue(value.Value);
    }

    public void WriteList(IList? list)
    {
        if (list is null)
        {
            WriteNull();
            return;
        }

        int token = BeginList();
        foreach (var item in list)
        {
            WriteValue(item);
        }

        EndList(token, list.Count);
    }

    public void WriteMap(AmqpMap? map)
    {
        if (map is null)
        {
            WriteNull();
            return;
        }

        int token = BeginMap();
        foreach (var entry in map)
        {
            WriteValue(entry.Key);
            WriteValue(entry.Value);
        }

        EndMap(token, map.Count);
    }

    private void WriteDictionary(IDictionary map)
    {
        int token = BeginMap();
        foreach (DictionaryEntry entry in map)
        {
            WriteValue(entry.Key);
            WriteValue(entry.Value);
        }

        EndMap(token, map.Count);
    }

    /// <summary>
    /// Writes an array (AMQP 1.0 §1.6.24): the element constructor once, then each element without it.
    /// Numeric elements use their full-width codes; string, binary and symbol elements use the 8-bit form
    /// when every element fits. A <see cref="DescribedValue"/>[] must share one descriptor and one value type.
    /// A byte[] is binary, never an array of ubyte.
    /// </summary>
    public void WriteArray(Array array)
    {
        ArgumentNullException.ThrowIfNull(array);
        if (array is byte[] binary)
        {
            WriteBinary(binary);
            return;
        }

        int start = _pos;
        Reserve(9)[0] = FormatCode.Array32;
        WriteArrayElements(array);
        int bodyLength = _pos - start - 9;
        int count = array.Length;
        if (bodyLength + 1 <= byte.MaxValue && count <= byte.MaxValue)
        {
            _span[start] = FormatCode.Array8;
            _span[start + 1] = (byte)(bodyLength + 1);
            _span[start + 2] = (byte)count;
            _span.Slice(start + 9, bodyLength).CopyTo(_span[(start + 3)..]);
            _pos -= 6;
        }
        else
        {
            BinaryPrimitives.WriteUInt32BigEndian(_span[(start + 1)..], (uint)(bodyLength + 4));
            BinaryPrimitives.WriteUInt32BigEndian(_span[(start + 5)..], (uint)count);
        }
    }

    // Writes the element constructor followed by every element's data.
    private void WriteArrayElements(Array array)
    {
        var elementType = array.GetType().GetElementType()!;
        if (elementType == typeof(DescribedValue))
        {
            if (array.Length == 0)
            {
                throw new ArgumentException("An empty array of described values has no descriptor to encode.", nameof(array));
            }

            var first = (DescribedValue)array.GetValue(0)!;
            var values = new object?[array.Length];
            for (int i = 0; i < array.Length; i++)
            {
                var d = array.GetValue(i) as DescribedValue
                    ?? throw new ArgumentException("A described array may not hold null elements.", nameof(array));
                if (!AmqpValueComparer.Instance.Equals(d.Descriptor, first.Descriptor))
                {
                    throw new ArgumentException("Every element of a described array must share one descriptor.", nameof(array));
                }

                values[i] = d.Value;
            }

            var valueType = first.Value?.GetType()
                ?? throw new ArgumentException("A described array may not describe null values.", nameof(array));
            Reserve(1)[0] = FormatCode.Described;
            WriteValue(first.Descriptor);
            WriteUniformElements(values, valueType);
            return;
        }

        WriteUniformElements(array, elementType);
    }

    private void WriteUniformElements(Array array, Type elementType)
    {
        byte code = ArrayElementCode(array, elementType);
        Reserve(1)[0] = code;
        for (int i = 0; i < array.Length; i++)
        {
            var element = array.GetValue(i);
            if (element is null || (elementType != typeof(object) && !elementType.IsInstanceOfType(element)) || (elementType == typeof(object) && element.GetType() != array.GetValue(0)!.GetType()))
            {
                throw new ArgumentException("Every element of an AMQP array must be non-null and of one type.", nameof(array));
            }

            WriteElementData(code, element);
        }
    }

    private static byte ArrayElementCode(Array array, Type elementType)
    {
        if (elementType == typeof(object))
        {
            if (array.Length == 0 || array.GetValue(0) is not { } first)
            {
                throw new ArgumentException("Cannot choose an element constructor for this array.", nameof(array));
            }

            elementType = first.GetType();
        }

        if (elementType == typeof(bool)) return FormatCode.Boolean;
        if (elementType == typeof(byte)) return FormatCode.UByte;
        if (elementType == typeof(ushort)) return FormatCode.UShort;
        if (elementType == typeof(uint)) return FormatCode.UInt;
        if (elementType == typeof(ulong)) return FormatCode.ULong;
        if (elementType == typeof(sbyte)) return FormatCode.Byte;
        if (elementType == typeof(short)) return FormatCode.Short;
        if (elementType == typeof(int)) return FormatCode.Int;
        if (elementType == typeof(long)) return FormatCode.Long;
        if (elementType == typeof(float)) return FormatCode.Float;
        if (elementType == typeof(double)) return FormatCode.Double;
        if (elementType == typeof(AmqpDecimal32)) return FormatCode.Decimal32;
        if (elementType == typeof(AmqpDecimal64)) return FormatCode.Decimal64;
        if (elementType == typeof(AmqpDecimal128)) return FormatCode.Decimal128;
        if (elementType == typeof(Rune)) return FormatCode.Char;
        if (elementType == typeof(DateTimeOffset)) return FormatCode.Timestamp;
        if (elementType == typeof(Guid)) return FormatCode.Uuid;
        if (elementType == typeof(byte[]))
        {
            return MaxLength(array, static o => ((byte[])o).Length) <= byte.MaxValue ? FormatCode.Binary8 : FormatCode.Binary32;
        }

        if (elementType == typeof(string))
        {
            return MaxLength(array, static o => Encoding.UTF8.GetByteCount((string)o)) <= byte.MaxValue ? FormatCode.String8 : FormatCode.String32;
        }

        if (elementType == typeof(AmqpSymbol))
        {
            return MaxLength(array, static o => ((AmqpSymbol)o).Value.Length) <= byte.MaxValue ? FormatCode.Symbol8 : FormatCode.Symbol32;
        }

        if (typeof(AmqpMap).IsAssignableFrom(elementType)) return FormatCode.Map32;
        if (typeof(Array).IsAssignableFrom(elementType)) return FormatCode.Array32;
        if (typeof(IList).IsAssignableFrom(elementType)) return FormatCode.List32;
        throw new ArgumentException($"The element type {elementType} has no AMQP array encoding.", nameof(array));
    }

    private static int MaxLength(Array array, Func<object, int> length)
    {
        int max = 0;
        foreach (var element in array)
        {
            if (element is not null)
            {
                max = Math.Max(max, length(element));
            }
        }

        return max;
    }

    private void WriteElementData(byte code, object element)
    {
        switch (code)
        {
            case FormatCode.Boolean: Reserve(1)[0] = (bool)element ? (byte)1 : (byte)0; break;
            case FormatCode.UByte: Reserve(1)[0] = (byte)element; break;
            case FormatCode.Byte: Reserve(1)[0] = (byte)(sbyte)element; break;
            case FormatCode.UShort: BinaryPrimitives.WriteUInt16BigEndian(Reserve(2), (ushort)element); break;
            case FormatCode.Short: BinaryPrimitives.WriteInt16BigEndian(Reserve(2), (short)element); break;
            case FormatCode.UInt: BinaryPrimitives.WriteUInt32BigEndian(Reserve(4), (uint)element); break;
            case FormatCode.Int: BinaryPrimitives.WriteInt32BigEndian(Reserve(4), (int)element); break;
            case FormatCode.Float: BinaryPrimitives.WriteSingleBigEndian(Reserve(4), (float)element); break;
            case FormatCode.Decimal32: BinaryPrimitives.WriteUInt32BigEndian(Reserve(4), ((AmqpDecimal32)element).Bits); break;
            case FormatCode.Char: BinaryPrimitives.WriteInt32BigEndian(Reserve(4), ((Rune)element).Value); break;
            case FormatCode.ULong: BinaryPrimitives.WriteUInt64BigEndian(Reserve(8), (ulong)element); break;
            case FormatCode.Long: BinaryPrimitives.WriteInt64BigEndian(Reserve(8), (long)element); break;
            case FormatCode.Double: BinaryPrimitives.WriteDoubleBigEndian(Reserve(8), (double)element); break;
            case FormatCode.Decimal64: BinaryPrimitives.WriteUInt64BigEndian(Reserve(8), ((AmqpDecimal64)element).Bits); break;
            case FormatCode.Timestamp: BinaryPrimitives.WriteInt64BigEndian(Reserve(8), ((DateTimeOffset)element).ToUnixTimeMilliseconds()); break;
            case FormatCode.Decimal128:
            {
                var d = (AmqpDecimal128)element;
                var s = Reserve(16);
                BinaryPrimitives.WriteUInt64BigEndian(s, d.High);
                BinaryPrimitives.WriteUInt64BigEndian(s[8..], d.Low);
                break;
            }

            case FormatCode.Uuid: ((Guid)element).TryWriteBytes(Reserve(16), bigEndian: true, out _); break;
            case FormatCode.Binary8:
            case FormatCode.Binary32:
                WriteElementBytes(code == FormatCode.Binary8, (byte[])element);
                break;
            case FormatCode.String8:
            case FormatCode.String32:
            {
                var str = (string)element;
                int n = Encoding.UTF8.GetByteCount(str);
                WriteElementLength(code == FormatCode.String8, n);
                Encoding.UTF8.GetBytes(str, Reserve(n));
                break;
            }

            case FormatCode.Symbol8:
            case FormatCode.Symbol32:
            {
                var symbol = ((AmqpSymbol)element).Value;
                CheckAscii(symbol);
                WriteElementLength(code == FormatCode.Symbol8, symbol.Length);
                Ascii.FromUtf16(symbol, Reserve(symbol.Length), out _);
                break;
            }

            case FormatCode.List32:
            case FormatCode.Map32:
            case FormatCode.Array32:
            {
                // A compound element: the 32-bit size and count, then its body (AMQP 1.0 §1.6.24).
                int before = _pos;
                WriteValue(element);
                ConvertToElementData(before);
                break;
            }

            default:
                throw new ArgumentException($"Unsupported array element code 0x{code:X2}.", nameof(code));
        }
    }

    private void WriteElementBytes(bool small, scoped ReadOnlySpan<byte> bytes)
    {
        WriteElementLength(small, bytes.Length);
        bytes.CopyTo(Reserve(bytes.Length));
    }

    private void WriteElementLength(bool small, int length)
    {
        if (small)
        {
            Reserve(1)[0] = (byte)length;
        }
        else
        {
            BinaryPrimitives.WriteUInt32BigEndian(Reserve(4), (uint)length);
        }
    }

    // A compound value was written at 'start' with its own (possibly 8-bit or list0) constructor; rewrite it in
    // the 32-bit form the array's element constructor promises, without the constructor byte.
    private void ConvertToElementData(int start)
    {
        byte written = _span[start];
        int count;
        int bodyStart;
        int bodyLength;
        switch (written)
        {
            case FormatCode.List0:
                count = 0;
                bodyStart = start + 1;
                bodyLength = 0;
                break;
            case FormatCode.List8:
            case FormatCode.Map8:
                count = _span[start + 2];
                bodyStart = start + 3;
                bodyLength = _span[start + 1] - 1;
                break;
            case FormatCode.Array8:
                count = _span[start + 2];
                bodyStart = start + 3;
                bodyLength = _span[start + 1] - 1;
                break;
            default:
                count = (int)BinaryPrimitives.ReadUInt32BigEndian(_span[(start + 5)..]);
                bodyStart = start + 9;
                bodyLength = (int)BinaryPrimitives.ReadUInt32BigEndian(_span[(start + 1)..]) - 4;
                break;
        }

        // Make room for the 8-byte size+count header ahead of the body, moving the body forward if needed.
        int headerEnd = start + 8;
        if (bodyStart != headerEnd)
        {
            int shift = headerEnd - bodyStart;
            if (shift > 0)
            {
                Reserve(shift);
            }
            else
            {
                _pos += shift;
            }

            _span.Slice(bodyStart, bodyLength).CopyTo(_span[headerEnd..]);
        }

        BinaryPrimitives.WriteUInt32BigEndian(_span[start..], (uint)(bodyLength + 4));
        BinaryPrimitives.WriteUInt32BigEndian(_span[(start + 4)..], (uint)count);
    }
}
