using System.Buffers.Binary;
using System.Text;

namespace Ferry.Amqp;

public ref partial struct AmqpReader
{
    /// <summary>
    /// Decodes the next value into the generic object model: null, bool, byte (ubyte), ushort, uint, ulong,
    /// sbyte (byte), short, int, long, float, double, <see cref="AmqpDecimal32"/>/64/128, <see cref="Rune"/>
    /// (char), <see cref="DateTimeOffset"/> (timestamp, UTC), <see cref="Guid"/> (uuid), byte[] (binary, copied),
    /// string, <see cref="AmqpSymbol"/>, <see cref="List{T}"/> of object (list), <see cref="AmqpMap"/> (map),
    /// a typed <see cref="Array"/> (array) and <see cref="DescribedValue"/>.
    /// </summary>
    /// <remarks>An array of ubyte decodes to byte[], which encodes back as binary; arrays of described values decode
    /// to <see cref="DescribedValue"/>[]; arrays of arrays to <see cref="Array"/>[].</remarks>
    /// <exception cref="AmqpDecodeException">Malformed, truncated, or nested deeper than <see cref="MaxDepth"/>.</exception>
    public object? ReadValue() => ReadValue(0);

    private object? ReadValue(int depth)
    {
        if (depth > MaxDepth)
        {
            throw new AmqpDecodeException("Values are nested too deeply.");
        }

        byte code = ReadCode();
        switch (code)
        {
            case FormatCode.Described:
            {
                object? descriptor = ReadValue(depth + 1);
                object? value = ReadValue(depth + 1);
                return new DescribedValue(descriptor ?? throw new AmqpDecodeException("A descriptor may not be null."), value);
            }

            case FormatCode.List0:
                return new List<object?>();
            case FormatCode.List8:
            case FormatCode.List32:
            {
                var body = code == FormatCode.List8 ? ReadCompound8(out int count) : ReadCompound32(out count);
                var list = new List<object?>(count);
                for (int i = 0; i < count; i++)
                {
                    list.Add(body.ReadValue(depth + 1));
                }

                return list;
            }

            case FormatCode.Map8:
            case FormatCode.Map32:
            {
                var body = code == FormatCode.Map8 ? ReadCompound8(out int count) : ReadCompound32(out count);
                if ((count & 1) != 0)
                {
                    throw new AmqpDecodeException("A map must hold an even number of elements (AMQP 1.0 §1.6.23).");
                }

                var map = new AmqpMap(count / 2);
                for (int i = 0; i < count; i += 2)
                {
                    object? key = body.ReadValue(depth + 1);
                    map.AddUnchecked(key, body.ReadValue(depth + 1));
                }

                return map;
            }

            case FormatCode.Array8:
            case FormatCode.Array32:
            {
                var body = code == FormatCode.Array8 ? ReadCompound8(out int count) : ReadCompound32(out count);
                return body.ReadArrayBody(count, depth + 1);
            }

            default:
                return ReadPrimitiveData(code);
        }
    }

    private object? ReadPrimitiveData(byte code)
    {
        switch (code)
        {
            case FormatCode.Null: return null;
            case FormatCode.BooleanTrue: return true;
            case FormatCode.BooleanFalse: return false;
            case FormatCode.Boolean:
                return ReadSpan(1)[0] switch
                {
                    0 => false,
                    1 => true,
                    var b => throw new AmqpDecodeException($"Invalid boolean byte 0x{b:X2}."),
                };
            case FormatCode.UByte: return ReadSpan(1)[0];
            case FormatCode.UShort: return BinaryPrimitives.ReadUInt16BigEndian(ReadSpan(2));
            case FormatCode.UInt0: return 0u;
            case FormatCode.SmallUInt: return (uint)ReadSpan(1)[0];
            case FormatCode.UInt: return BinaryPrimitives.ReadUInt32BigEndian(ReadSpan(4));
            case FormatCode.ULong0: return 0ul;
            case FormatCode.SmallULong: return (ulong)ReadSpan(1)[0];
            case FormatCode.ULong: return BinaryPrimitives.ReadUInt64BigEndian(ReadSpan(8));
            case FormatCode.Byte: return (sbyte)ReadSpan(1)[0];
            case FormatCode.Short: return BinaryPrimitives.ReadInt16BigEndian(ReadSpan(2));
            case FormatCode.SmallInt: return (int)(sbyte)ReadSpan(1)[0];
            case FormatCode.Int: return BinaryPrimitives.ReadInt32BigEndian(ReadSpan(4));
            case FormatCode.SmallLong: return (long)(sbyte)ReadSpan(1)[0];
            case FormatCode.Long: return BinaryPrimitives.ReadInt64BigEndian(ReadSpan(8));
            case FormatCode.Float: return BinaryPrimitives.ReadSingleBigEndian(ReadSpan(4));
            case FormatCode.Double: return BinaryPrimitives.ReadDoubleBigEndian(ReadSpan(8));
            case FormatCode.Decimal32: return new AmqpDecimal32(BinaryPrimitives.ReadUInt32BigEndian(ReadSpan(4)));
            case FormatCode.Decimal64: return new AmqpDecimal64(BinaryPrimitives.ReadUInt64BigEndian(ReadSpan(8)));
            case FormatCode.Decimal128:
            {
                var s = ReadSpan(16);
                return new AmqpDecimal128(BinaryPrimitives.ReadUInt64BigEndian(s), BinaryPrimitives.ReadUInt64BigEndian(s[8..]));
            }

            case FormatCode.Char: return ToRune(BinaryPrimitives.ReadInt32BigEndian(ReadSpan(4)));
            case FormatCode.Timestamp: return AmqpTimestamp.ToDateTimeOffset(BinaryPrimitives.ReadInt64BigEndian(ReadSpan(8)));
            case FormatCode.Uuid: return new Guid(ReadSpan(16), bigEndian: true);
            case FormatCode.Binary8: return ReadSpan(ReadSpan(1)[0]).ToArray();
            case FormatCode.Binary32: return ReadSpan(ReadLength32()).ToArray();
            case FormatCode.String8: return Encoding.UTF8.GetString(ReadSpan(ReadSpan(1)[0]));
            case FormatCode.String32: return Encoding.UTF8.GetString(ReadSpan(ReadLength32()));
            case FormatCode.Symbol8: return new AmqpSymbol(DecodeAscii(ReadSpan(ReadSpan(1)[0])));
            case FormatCode.Symbol32: return new AmqpSymbol(DecodeAscii(ReadSpan(ReadLength32())));
            default: throw new AmqpDecodeException($"Unknown format code 0x{code:X2}.");
        }
    }

    private static Rune ToRune(int value) =>
        Rune.IsValid(value) ? new Rune(value) : throw new AmqpDecodeException($"0x{value:X} is not a Unicode scalar value (AMQP 1.0 §1.6.17).");

    // The body of an array (AMQP 1.0 §1.6.24): one element constructor, then 'count' elements without it.
    private Array ReadArrayBody(int count, int depth)
    {
        if (depth > MaxDepth)
        {
            throw new AmqpDecodeException("Values are nested too deeply.");
        }

        // An element count can never exceed the bytes that remain (constructor included): this bounds the
        // allocation below even for zero-width elements such as null.
        if (count > Remaining)
        {
            throw new AmqpDecodeException("An array count exceeds the bytes that remain.");
        }

        byte code = ReadCode();
        if (code == FormatCode.Described)
        {
            object? descriptor = ReadValue(depth + 1) ?? throw new AmqpDecodeException("A descriptor may not be null.");
            byte elementCode = ReadCode();
            if (elementCode == FormatCode.Described)
            {
                throw new AmqpDecodeException("Nested descriptors in an array element constructor are not supported.");
            }

            var described = new DescribedValue[count];
            for (int i = 0; i < count; i++)
            {
                described[i] = new DescribedValue(descriptor, ReadElementData(elementCode, depth));
            }

            return described;
        }

        switch (code)
        {
            case FormatCode.Boolean:
            case FormatCode.BooleanTrue:
            case FormatCode.BooleanFalse:
                return Fill<bool>(ref this, code, count, depth);
            case FormatCode.UByte: return ReadSpan(count).ToArray();
            case FormatCode.UShort: return Fill<ushort>(ref this, code, count, depth);
            case FormatCode.UInt:
            case FormatCode.SmallUInt:
            case FormatCode.UInt0:
                return Fill<uint>(ref this, code, count, depth);
            case FormatCode.ULong:
            case FormatCode.SmallULong:
            case FormatCode.ULong0:
                return Fill<ulong>(ref this, code, count, depth);
            case FormatCode.Byte: return Fill<sbyte>(ref this, code, count, depth);
            case FormatCode.Short: return Fill<short>(ref this, code, count, depth);
            case FormatCode.Int:
            case FormatCode.SmallInt:
                return Fill<int>(ref this, code, count, depth);
            case FormatCode.Long:
            case FormatCode.SmallLong:
                return Fill<long>(ref this, code, count, depth);
            case FormatCode.Float: return Fill<float>(ref this, code, count, depth);
            case FormatCode.Double: return Fill<double>(ref this, code, count, depth);
            case FormatCode.Decimal32: return Fill<AmqpDecimal32>(ref this, code, count, depth);
            case FormatCode.Decimal64: return Fill<AmqpDecimal64>(ref this, code, count, depth);
            case FormatCode.Decimal128: return Fill<AmqpDecimal128>(ref this, code, count, depth);
            case FormatCode.Char: return Fill<Rune>(ref this, code, count, depth);
            case FormatCode.Timestamp: return Fill<DateTimeOffset>(ref this, code, count, depth);
            case FormatCode.Uuid: return Fill<Guid>(ref this, code, count, depth);
            case FormatCode.Binary8:
            case FormatCode.Binary32:
                return Fill<byte[]>(ref this, code, count, depth);
            case FormatCode.String8:
            case FormatCode.String32:
                return Fill<string>(ref this, code, count, depth);
            case FormatCode.Symbol8:
            case FormatCode.Symbol32:
                return Fill<AmqpSymbol>(ref this, code, count, depth);
            case FormatCode.List0:
            case FormatCode.List8:
            case FormatCode.List32:
                return Fill<List<object?>>(ref this, code, count, depth);
            case FormatCode.Map8:
            case FormatCode.Map32:
                return Fill<AmqpMap>(ref this, code, count, depth);
            case FormatCode.Array8:
            case FormatCode.Array32:
                return Fill<Array>(ref this, code, count, depth);
            case FormatCode.Null:
                return new object?[count];
            default:
                throw new AmqpDecodeException($"Unknown array element format code 0x{code:X2}.");
        }

        static T[] Fill<T>(ref AmqpReader reader, byte code, int count, int depth)
        {
            var result = new T[count];
            for (int i = 0; i < count; i++)
            {
                result[i] = (T)reader.ReadElementData(code, depth)!;
            }

            return result;
        }
    }

    // One array element, encoded without its constructor.
    private object? ReadElementData(byte code, int depth)
    {
        switch (code)
        {
            case FormatCode.List8:
            case FormatCode.Map8:
            case FormatCode.Array8:
            case FormatCode.List32:
            case FormatCode.Map32:
            case FormatCode.Array32:
            {
                bool small = code is FormatCode.List8 or FormatCode.Map8 or FormatCode.Array8;
                var body = small ? ReadCompound8(out int count) : ReadCompound32(out count);
                if (code is FormatCode.Array8 or FormatCode.Array32)
                {
                    return body.ReadArrayBody(count, depth + 1);
                }

                if (code is FormatCode.List8 or FormatCode.List32)
                {
                    var list = new List<object?>(count);
                    for (int i = 0; i < count; i++)
                    {
                        list.Add(body.ReadValue(depth + 1));
                    }

                    return list;
                }

                if ((count & 1) != 0)
                {
                    throw new AmqpDecodeException("A map must hold an even number of elements (AMQP 1.0 §1.6.23).");
                }

                var map = new AmqpMap(count / 2);
                for (int i = 0; i < count; i += 2)
                {
                    object? key = body.ReadValue(depth + 1);
                    map.AddUnchecked(key, body.ReadValue(depth + 1));
                }

                return map;
            }

            case FormatCode.List0:
                return new List<object?>();
            default:
                return ReadPrimitiveData(code);
        }
    }
}
