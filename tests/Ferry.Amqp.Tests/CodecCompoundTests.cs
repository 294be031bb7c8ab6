using System.Text;
using Ferry.Amqp;

namespace Ferry.Amqp.Tests;

public class CodecCompoundTests
{
    private static void AssertRoundTrip(object? value)
    {
        var decoded = Hex.RoundTrip(value);
        Assert.True(AmqpValueComparer.Instance.Equals(value, decoded), $"round trip changed {value}");
    }

    [Fact]
    public void EmptyList_IsList0()
    {
        Assert.Equal("45", Hex.Of(Hex.Encode(new List<object?>())));
        Assert.Empty((List<object?>)AmqpEncoder.Decode(Hex.Bytes("45"))!);
    }

    [Fact]
    public void SmallList_IsList8()
    {
        var list = new List<object?> { 1u, null, "a" };
        // C0 size=1(count)+2+1+3 count=3
        Assert.Equal("C00703520140A10161", Hex.Of(Hex.Encode(list)));
        AssertRoundTrip(list);
    }

    [Fact]
    public void LargeList_IsList32()
    {
        var list = new List<object?>();
        for (int i = 0; i < 300; i++)
        {
            list.Add(i);
        }

        var encoded = Hex.Encode(list);
        Assert.Equal(0xD0, encoded[0]);
        Assert.Equal("0000012C", Hex.Of(encoded.AsSpan(5, 4)));
        AssertRoundTrip(list);
    }

    [Theory]
    [InlineData(252, FormatCode.List8)]
    [InlineData(253, FormatCode.List32)]
    public void List_SizeBoundary_ChoosesList8UpTo255(int binaryLength, byte expected)
    {
        // Body = vbin8 header (2) + data; list8 holds size = body + count byte <= 255.
        var list = new List<object?> { new byte[binaryLength] };
        var encoded = Hex.Encode(list);
        Assert.Equal(expected, encoded[0]);
        AssertRoundTrip(list);
    }

    [Theory]
    [InlineData(255, FormatCode.String8)]
    [InlineData(256, FormatCode.String32)]
    public void String_SizeBoundary(int length, byte expected)
    {
        var encoded = Hex.Encode(new string('z', length));
        Assert.Equal(expected, encoded[0]);
    }

    [Fact]
    public void Map_Map8_KeepsOrderAndKeyTypes()
    {
        var map = new AmqpMap { { new AmqpSymbol("k"), 1 }, { "k", 2L }, { 5u, null } };
        var encoded = Hex.Encode(map);
        Assert.Equal("C1", Hex.Of(encoded.AsSpan(0, 1)));
        Assert.Equal(6, encoded[2]);
        var decoded = (AmqpMap)AmqpEncoder.Decode(encoded)!;
        Assert.Equal(3, decoded.Count);
        Assert.True(decoded.TryGetValue(new AmqpSymbol("k"), out var a));
        Assert.Equal(1, a);
        Assert.True(decoded.TryGetValue("k", out var b));
        Assert.Equal(2L, b);
        Assert.True(decoded.ContainsKey(5u));
        Assert.Equal(encoded, Hex.Encode(decoded));
    }

    [Fact]
    public void EmptyMap_IsMap8WithZeroCount() => Assert.Equal("C10100", Hex.Of(Hex.Encode(new AmqpMap())));

    [Fact]
    public void LargeMap_IsMap32()
    {
        var map = new AmqpMap();
        for (int i = 0; i < 200; i++)
        {
            map.Add("key" + i, i);
        }

        var encoded = Hex.Encode(map);
        Assert.Equal(0xD1, encoded[0]);
        AssertRoundTrip(map);
    }

    [Fact]
    public void Map_AddDuplicate_Throws()
    {
        var map = new AmqpMap { { "a", 1 } };
        Assert.Throws<ArgumentException>(() => map.Add("a", 2));
        map["a"] = 3;
        Assert.Equal(3, map["a"]);
    }

    [Fact]
    public void Array_OfInts_WritesConstructorOnce()
    {
        Assert.Equal("E00E037100000001" + "00000002FFFFFFFF", Hex.Of(Hex.Encode(new[] { 1, 2, -1 })));
        AssertRoundTrip(new[] { 1, 2, -1 });
    }

    [Fact]
    public void Array_OfSymbols_UsesSym8()
    {
        var symbols = new[] { new AmqpSymbol("a"), new AmqpSymbol("bc") };
        Assert.Equal("E00702A3" + "0161026263", Hex.Of(Hex.Encode(symbols)));
        AssertRoundTrip(symbols);
    }

    [Fact]
    public void Array_OfLongStrings_UsesStr32AndArray32()
    {
        var strings = new[] { new string('a', 300), "b" };
        var encoded = Hex.Encode(strings);
        Assert.Equal(0xF0, encoded[0]);
        Assert.Equal(FormatCode.String32, encoded[9]);
        AssertRoundTrip(strings);
    }

    [Fact]
    public void Array_OfEveryPrimitive_RoundTrips()
    {
        AssertRoundTrip(new[] { true, false });
        AssertRoundTrip(new ushort[] { 1, 65535 });
        AssertRoundTrip(new uint[] { 0, 70000 });
        AssertRoundTrip(new ulong[] { 0, ulong.MaxValue });
        AssertRoundTrip(new sbyte[] { -1, 1 });
        AssertRoundTrip(new short[] { -1, 1 });
        AssertRoundTrip(new long[] { long.MinValue, 1 });
        AssertRoundTrip(new[] { 1.5f, float.NaN });
        AssertRoundTrip(new[] { 1.5d, double.NegativeInfinity });
        AssertRoundTrip(new[] { new AmqpDecimal32(1) });
        AssertRoundTrip(new[] { new AmqpDecimal64(1) });
        AssertRoundTrip(new[] { new AmqpDecimal128(1, 2) });
        AssertRoundTrip(new[] { new Rune('x') });
        AssertRoundTrip(new[] { DateTimeOffset.FromUnixTimeMilliseconds(123) });
        AssertRoundTrip(new[] { Guid.NewGuid(), Guid.Empty });
        AssertRoundTrip(new[] { new byte[] { 1 }, new byte[300] });
        AssertRoundTrip(Array.Empty<int>());
    }

    [Fact]
    public void Array_OfCompounds_RoundTrips()
    {
        AssertRoundTrip(new[] { new List<object?> { 1, "x" }, new List<object?>() });
        AssertRoundTrip(new[] { new AmqpMap { { "a", 1 } }, new AmqpMap() });
        AssertRoundTrip(new Array[] { new[] { 1, 2 }, new[] { 3 } });
    }

    [Fact]
    public void Array_OfDescribed_WritesDescriptorOnce()
    {
        var values = new[] { new DescribedValue(0x77ul, "a"), new DescribedValue(0x77ul, "b") };
        // E0 size count | 00 53 77 A1 | 01 61 | 01 62
        Assert.Equal("E009020053" + "77A1" + "0161" + "0162", Hex.Of(Hex.Encode(values)));
        AssertRoundTrip(values);
    }

    [Fact]
    public void Array_OfDescribedWithMixedDescriptors_Throws()
    {
        var values = new[] { new DescribedValue(1ul, "a"), new DescribedValue(2ul, "b") };
        Assert.Throws<ArgumentException>(() => Hex.Encode(values));
    }

    [Fact]
    public void Described_WithSymbolAndULongDescriptors()
    {
        Assert.Equal("005377A10161", Hex.Of(Hex.Encode(new DescribedValue(0x77ul, "a"))));
        var symbolic = new DescribedValue(new AmqpSymbol("x:y"), new List<object?> { 1 });
        Assert.Equal("00A303783A79" + "C003015401", Hex.Of(Hex.Encode(symbolic)));
        AssertRoundTrip(symbolic);
        AssertRoundTrip(new DescribedValue(0x0000013700000004ul, new List<object?> { "x", null }));
    }

    [Fact]
    public void NestedValues_RoundTrip()
    {
        var value = new List<object?>
        {
            new AmqpMap { { new AmqpSymbol("m"), new List<object?> { new byte[] { 1, 2 }, Guid.NewGuid() } } },
            new DescribedValue(1ul, new AmqpMap()),
            new[] { "a", "b" },
            null,
        };
        AssertRoundTrip(value);
    }

    [Fact]
    public void Decode_ArrayOfZeroWidthElements_CountBoundedByBytes()
    {
        // Three nulls take no bytes, so a count above the bytes that remain is refused rather than allocated.
        Assert.Throws<AmqpDecodeException>(() => AmqpEncoder.Decode(Hex.Bytes("E0020340")));
        Assert.Throws<AmqpDecodeException>(() => AmqpEncoder.Decode(Hex.Bytes("F000000005FFFFFFFF40")));
        var decoded = (object?[])AmqpEncoder.Decode(Hex.Bytes("E0020140"))!;
        Assert.Single(decoded);
    }

    [Theory]
    [InlineData("A005010203")] // vbin8 length 5, 3 bytes present
    [InlineData("B0FFFFFFFF00")] // vbin32 length 4G
    [InlineData("B1")] // truncated length
    [InlineData("C00503")] // list8 size past end
    [InlineData("C00105")] // list8 count 5 with size 1
    [InlineData("D0000000FF00000001")] // list32 size past end
    [InlineData("D000000004FFFFFFFF")] // list32 count 4G in 0 bytes
    [InlineData("C1020141")] // map with odd count
    [InlineData("E0FF")] // array size past end
    [InlineData("F000000005000000FF71")] // array32 count past end
    [InlineData("00")] // described without descriptor
    [InlineData("0053")] // descriptor truncated
    [InlineData("005310")] // described without value
    [InlineData("FF")] // unknown code
    [InlineData("1F")] // unknown code
    [InlineData("7000")] // truncated uint
    [InlineData("9800")] // truncated uuid
    public void Decode_Malformed_ThrowsDecodeException(string hex)
    {
        Assert.Throws<AmqpDecodeException>(() => AmqpEncoder.Decode(Hex.Bytes(hex)));
    }

    [Fact]
    public void Decode_DeeplyNested_ThrowsDecodeExceptionNotStackOverflow()
    {
        var bytes = new List<byte>();
        for (int i = 0; i < 10_000; i++)
        {
            bytes.Add(0x00);
        }

        bytes.Add(0x40);
        bytes.Add(0x40);
        Assert.Throws<AmqpDecodeException>(() => AmqpEncoder.Decode(bytes.ToArray()));
        Assert.Throws<AmqpDecodeException>(() => AmqpReader.GetEncodedLength(bytes.ToArray()));

        var lists = new List<byte>();
        for (int i = 0; i < 5_000; i++)
        {
            lists.AddRange([0xC0, 0x02, 0x01]);
        }

        Assert.Throws<AmqpDecodeException>(() => AmqpEncoder.Decode(lists.ToArray()));
    }

    [Theory]
    [InlineData("A005010203")]
    [InlineData("B0FFFFFFFF00")]
    [InlineData("D0000000FF00000001")]
    [InlineData("00")]
    [InlineData("FF")]
    public void GetEncodedLength_Malformed_ThrowsDecodeException(string hex) =>
        Assert.Throws<AmqpDecodeException>(() => AmqpReader.GetEncodedLength(Hex.Bytes(hex)));

    [Fact]
    public void Decode_TrailingBytes_Throws() => Assert.Throws<AmqpDecodeException>(() => AmqpEncoder.Decode(Hex.Bytes("4040")));

    [Fact]
    public void Reader_ReadEncodedValueAndSkip()
    {
        var bytes = Hex.Bytes("C0050252015201" + "A10161");
        var reader = new AmqpReader(bytes);
        Assert.Equal("C0050252015201", Hex.Of(reader.ReadEncodedValue()));
        Assert.Equal("a", reader.ReadString());
        Assert.True(reader.IsEnd);
    }

    [Fact]
    public void Encode_ToBufferWriter()
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        int n = AmqpEncoder.Encode(new List<object?> { "x" }, buffer);
        Assert.Equal(n, buffer.WrittenCount);
        Assert.Equal(new List<object?> { "x" }, (List<object?>)AmqpEncoder.Decode(buffer.WrittenSpan)!);
        Assert.Equal(Encoding.UTF8.GetBytes("x")[0], buffer.WrittenSpan[^1]);
    }
}
