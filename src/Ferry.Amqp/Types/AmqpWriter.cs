using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Text;

namespace Ferry.Amqp;

/// <summary>
/// Encodes AMQP 1.0 values (AMQP 1.0 §1.6) into a contiguous buffer, always choosing the smallest encoding
/// (uint0/smalluint, list0/list8, str8 and so on).
/// </summary>
/// <remarks>
/// The writer starts in a caller-supplied span (typically <c>stackalloc</c>) and moves to a buffer rented from
/// <see cref="ArrayPool{T}.Shared"/> when it needs more room; call <see cref="Dispose"/> to return it. Compound
/// values are written in one pass: a list or map reserves a 32-bit header, and on completion shrinks to the
/// 8-bit form by moving its body back when it fits. Copy the result out with <see cref="WrittenSpan"/> or
/// <see cref="CopyTo(IBufferWriter{byte})"/> before disposing. Programming errors (a symbol with non-ASCII
/// characters, an unsupported .NET type) throw <see cref="ArgumentException"/>.
/// </remarks>
public ref partial struct AmqpWriter
{
    private Span<byte> _span;
    private byte[]? _rented;
    private int _pos;

    public AmqpWriter(Span<byte> initialBuffer)
    {
        _span = initialBuffer;
        _rented = null;
        _pos = 0;
    }

    public AmqpWriter(int initialCapacity)
    {
        _rented = ArrayPool<byte>.Shared.Rent(Math.Max(initialCapacity, 16));
        _span = _rented;
        _pos = 0;
    }

    /// <summary>Bytes written so far.</summary>
    public readonly int Length => _pos;

    /// <summary>The encoded bytes; valid until the next write or <see cref="Dispose"/>.</summary>
    public readonly ReadOnlySpan<byte> WrittenSpan => _span[.._pos];

    public readonly void CopyTo(IBufferWriter<byte> output) => output.Write(_span[.._pos]);

    public readonly byte[] ToArray() => _span[.._pos].ToArray();

    public void Reset() => _pos = 0;

    public void Dispose()
    {
        var rented = _rented;
        _rented = null;
        _span = default;
        _pos = 0;
        if (rented is not null)
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>Copies already-encoded AMQP bytes through unchanged.</summary>
    public void WriteRaw(scoped ReadOnlySpan<byte> encoded) => encoded.CopyTo(Reserve(encoded.Length));

    public void WriteNull() => Reserve(1)[0] = FormatCode.Null;

    public void WriteBoolean(bool value) => Reserve(1)[0] = value ? FormatCode.BooleanTrue : FormatCode.BooleanFalse;

    public void WriteUByte(byte value)
    {
        var s = Reserve(2);
        s[0] = FormatCode.UByte;
        s[1] = value;
    }

    public void WriteUShort(ushort value)
    {
        var s = Reserve(3);
        s[0] = FormatCode.UShort;
        BinaryPrimitives.WriteUInt16BigEndian(s[1..], value);
    }

    public void WriteUInt(uint value)
    {
        if (value == 0)
        {
            Reserve(1)[0] = FormatCode.UInt0;
        }
        else if (value <= byte.MaxValue)
        {
            var s = Reserve(2);
            s[0] = FormatCode.SmallUInt;
            s[1] = (byte)value;
        }
        else
        {
            var s = Reserve(5);
            s[0] = FormatCode.UInt;
            BinaryPrimitives.WriteUInt32BigEndian(s[1..], value);
        }
    }

    public void WriteULong(ulong value)
    {
        if (value == 0)
        {
            Reserve(1)[0] = FormatCode.ULong0;
        }
        else if (value <= byte.MaxValue)
        {
            var s = Reserve(2);
            s[0] = FormatCode.SmallULong;
            s[1] = (byte)value;
        }
        else
        {
            var s = Reserve(9);
            s[0] = FormatCode.ULong;
            BinaryPrimitives.WriteUInt64BigEndian(s[1..], value);
        }
    }

    public void WriteByte(sbyte value)
    {
        var s = Reserve(2);
        s[0] = FormatCode.Byte;
        s[1] = (byte)value;
    }

    public void WriteShort(short value)
    {
        var s = Reserve(3);
        s[0] = FormatCode.Short;
        BinaryPrimitives.WriteInt16BigEndian(s[1..], value);
    }

    public void WriteInt(int value)
    {
        if (value is >= sbyte.MinValue and <= sbyte.MaxValue)
        {
            var s = Reserve(2);
            s[0] = FormatCode.SmallInt;
            s[1] = (byte)(sbyte)value;
        }
        else
        {
            var s = Reserve(5);
            s[0] = FormatCode.Int;
            BinaryPrimitives.WriteInt32BigEndian(s[1..], value);
        }
    }

    public void WriteLong(long value)
    {
        if (value is >= sbyte.MinValue and <= sbyte.MaxValue)
        {
            var s = Reserve(2);
            s[0] = FormatCode.SmallLong;
            s[1] = (byte)(sbyte)value;
        }
        else
        {
            var s = Reserve(9);
            s[0] = FormatCode.Long;
            BinaryPrimitives.WriteInt64BigEndian(s[1..], value);
        }
    }

    public void WriteFloat(float value)
    {
        var s = Reserve(5);
        s[0] = FormatCode.Float;
        BinaryPrimitives.WriteSingleBigEndian(s[1..], value);
    }

    public void WriteDouble(double value)
    {
        var s = Reserve(9);
        s[0] = FormatCode.Double;
        BinaryPrimitives.WriteDoubleBigEndian(s[1..], value);
    }

    public void WriteDecimal32(AmqpDecimal32 value)
    {
        var s = Reserve(5);
        s[0] = FormatCode.Decimal32;
        BinaryPrimitives.WriteUInt32BigEndian(s[1..], value.Bits);
    }

    public void WriteDecimal64(AmqpDecimal64 value)
    {
        var s = Reserve(9);
        s[0] = FormatCode.Decimal64;
        BinaryPrimitives.WriteUInt64BigEndian(s[1..], value.Bits);
    }

    public void WriteDecimal128(AmqpDecimal128 value)
    {
        var s = Reserve(17);
        s[0] = FormatCode.Decimal128;
        BinaryPrimitives.WriteUInt64BigEndian(s[1..], value.High);
        BinaryPrimitives.WriteUInt64BigEndian(s[9..], value.Low);
    }

    /// <summary>Writes an AMQP char: one UTF-32BE code point (AMQP 1.0 §1.6.17).</summary>
    public void WriteChar(Rune value)
    {
        var s = Reserve(5);
        s[0] = FormatCode.Char;
        BinaryPrimitives.WriteInt32BigEndian(s[1..], value.Value);
    }

    /// <summary>Writes a timestamp: milliseconds since the Unix epoch, UTC (AMQP 1.0 §1.6.18). Sub-millisecond ticks are dropped.</summary>
    public void WriteTimestamp(DateTimeOffset value) => WriteTimestampMilliseconds(value.ToUnixTimeMilliseconds());

    public void WriteTimestampMilliseconds(long unixMilliseconds)
    {
        var s = Reserve(9);
        s[0] = FormatCode.Timestamp;
        BinaryPrimitives.WriteInt64BigEndian(s[1..], unixMilliseconds);
    }

    /// <summary>Writes a uuid in RFC 4122 (big-endian) byte order (AMQP 1.0 §1.6.19), not <see cref="Guid.ToByteArray()"/> order.</summary>
    public void WriteUuid(Guid value)
    {
        var s = Reserve(17);
        s[0] = FormatCode.Uuid;
        value.TryWriteBytes(s[1..], bigEndian: true, out _);
    }

    public void WriteBinary(scoped ReadOnlySpan<byte> value)
    {
        WriteVariableHeader(FormatCode.Binary8, FormatCode.Binary32, value.Length);
        value.CopyTo(Reserve(value.Length));
    }

    /// <summary>Writes a UTF-8 string (AMQP 1.0 §1.6.20); <c>null</c> writes the null value. Lone surrogates become U+FFFD.</summary>
    public void WriteString(string? value)
    {
        if (value is null)
        {
            WriteNull();
            return;
        }

        WriteString(value.AsSpan());
    }

    public void WriteString(scoped ReadOnlySpan<char> value)
    {
        int byteCount = Encoding.UTF8.GetByteCount(value);
        WriteVariableHeader(FormatCode.String8, FormatCode.String32, byteCount);
        Encoding.UTF8.GetBytes(value, Reserve(byteCount));
    }

    public void WriteSymbol(AmqpSymbol value) => WriteSymbol(value.Value.AsSpan());

    public void WriteSymbol(scoped ReadOnlySpan<char> value)
    {
        CheckAscii(value);
        WriteVariableHeader(FormatCode.Symbol8, FormatCode.Symbol32, value.Length);
        Ascii.FromUtf16(value, Reserve(value.Length), out _);
    }

    private static void CheckAscii(scoped ReadOnlySpan<char> value)
    {
        if (!Ascii.IsValid(value))
        {
            throw new ArgumentException("An AMQP symbol may hold ASCII characters only (AMQP 1.0 §1.6.21).", nameof(value));
        }
    }

    /// <summary>Writes a symbol from its ASCII bytes, unchecked; for pre-encoded constants.</summary>
    public void WriteSymbolAscii(scoped ReadOnlySpan<byte> ascii)
    {
        WriteVariableHeader(FormatCode.Symbol8, FormatCode.Symbol32, ascii.Length);
        ascii.CopyTo(Reserve(ascii.Length));
    }

    /// <summary>Writes the constructor of a described type with a numeric descriptor (AMQP 1.0 §1.2); the value follows.</summary>
    public void WriteDescriptor(ulong code)
    {
        Reserve(1)[0] = FormatCode.Described;
        WriteULong(code);
    }

    public void WriteDescriptor(AmqpSymbol name)
    {
        Reserve(1)[0] = FormatCode.Described;
        WriteSymbol(name);
    }

    /// <summary>Starts a list; write its elements, then call <see cref="EndList"/> with the token and element count.</summary>
    public int BeginList()
    {
        int start = _pos;
        Reserve(9)[0] = FormatCode.List32;
        return start;
    }

    /// <summary>Completes a list started with <see cref="BeginList"/>, choosing list0, list8 or list32 (AMQP 1.0 §1.6.22).</summary>
    public void EndList(int token, int count) => EndCompound(token, count, FormatCode.List8, FormatCode.List32, allowZeroForm: true);

    /// <summary>Starts a map; write keys and values alternately, then call <see cref="EndMap"/>.</summary>
    public int BeginMap()
    {
        int start = _pos;
        Reserve(9)[0] = FormatCode.Map32;
        return start;
    }

    /// <summary>Completes a map; <paramref name="entryCount"/> counts key/value pairs (the wire count is twice that, AMQP 1.0 §1.6.23).</summary>
    public void EndMap(int token, int entryCount) => EndCompound(token, entryCount * 2, FormatCode.Map8, FormatCode.Map32, allowZeroForm: false);

    private void EndCompound(int token, int count, byte code8, byte code32, bool allowZeroForm)
    {
        int bodyStart = token + 9;
        int bodyLength = _pos - bodyStart;
        if (allowZeroForm && count == 0 && bodyLength == 0)
        {
            _span[token] = FormatCode.List0;
            _pos = token + 1;
        }
        else if (bodyLength + 1 <= byte.MaxValue && count <= byte.MaxValue)
        {
            _span[token] = code8;
            _span[token + 1] = (byte)(bodyLength + 1);
            _span[token + 2] = (byte)count;
            _span.Slice(bodyStart, bodyLength).CopyTo(_span[(token + 3)..]);
            _pos -= 6;
        }
        else
        {
            _span[token] = code32;
            BinaryPrimitives.WriteUInt32BigEndian(_span[(token + 1)..], (uint)(bodyLength + 4));
            BinaryPrimitives.WriteUInt32BigEndian(_span[(token + 5)..], (uint)count);
        }
    }

    /// <summary>Truncates the output to an earlier <see cref="Length"/>; used to drop trailing null fields.</summary>
    internal void Truncate(int length) => _pos = length;

    private void WriteVariableHeader(byte code8, byte code32, int length)
    {
        if (length <= byte.MaxValue)
        {
            var s = Reserve(2);
            s[0] = code8;
            s[1] = (byte)length;
        }
        else
        {
            var s = Reserve(5);
            s[0] = code32;
            BinaryPrimitives.WriteUInt32BigEndian(s[1..], (uint)length);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal Span<byte> Reserve(int count)
    {
        if (_span.Length - _pos < count)
        {
            Grow(count);
        }

        var s = _span.Slice(_pos, count);
        _pos += count;
        return s;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Grow(int needed)
    {
        long required = (long)_pos + needed;
        if (required > Array.MaxLength)
        {
            throw new InvalidOperationException("The encoded value is larger than the largest array.");
        }

        int size = (int)Math.Min(Array.MaxLength, Math.Max(required, Math.Max(256L, _span.Length * 2L)));
        byte[] next = ArrayPool<byte>.Shared.Rent(size);
        _span[.._pos].CopyTo(next);
        var old = _rented;
        _rented = next;
        _span = next;
        if (old is not null)
        {
            ArrayPool<byte>.Shared.Return(old);
        }
    }
}
