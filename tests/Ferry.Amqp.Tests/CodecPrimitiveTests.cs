using System.Text;
using Ferry.Amqp;

namespace Ferry.Amqp.Tests;

public class CodecPrimitiveTests
{
    [Theory]
    [InlineData(null, "40")]
    [InlineData(true, "41")]
    [InlineData(false, "42")]
    [InlineData((byte)7, "5007")]
    [InlineData((ushort)0x1234, "601234")]
    [InlineData(0u, "43")]
    [InlineData(255u, "52FF")]
    [InlineData(256u, "7000000100")]
    [InlineData(0ul, "44")]
    [InlineData(200ul, "53C8")]
    [InlineData(0x0102030405060708ul, "800102030405060708")]
    [InlineData((sbyte)-2, "51FE")]
    [InlineData((short)-2, "61FFFE")]
    [InlineData(-128, "5480")]
    [InlineData(127, "547F")]
    [InlineData(128, "7100000080")]
    [InlineData(-129, "71FFFFFF7F")]
    [InlineData(-1L, "55FF")]
    [InlineData(1000L, "8100000000000003E8")]
    [InlineData(1.5f, "723FC00000")]
    [InlineData(1.5d, "823FF8000000000000")]
    [InlineData("", "A100")]
    [InlineData("hé", "A10368C3A9")]
    public void Encode_Primitive_UsesSmallestEncoding(object? value, string hex)
    {
        Assert.Equal(hex, Hex.Of(Hex.Encode(value)));
        Assert.Equal(value, AmqpEncoder.Decode(Hex.Bytes(hex)));
    }

    [Fact]
    public void Encode_Symbol_Sym8AndSym32()
    {
        Assert.Equal("A303616263", Hex.Of(Hex.Encode(new AmqpSymbol("abc"))));
        var longSymbol = new AmqpSymbol(new string('x', 300));
        var encoded = Hex.Encode(longSymbol);
        Assert.Equal("B30000012C", Hex.Of(encoded.AsSpan(0, 5)));
        Assert.Equal(longSymbol, AmqpEncoder.Decode(encoded));
    }

    [Fact]
    public void Encode_LongString_UsesStr32()
    {
        var s = new string('é', 200);
        var encoded = Hex.Encode(s);
        Assert.Equal("B100000190", Hex.Of(encoded.AsSpan(0, 5)));
        Assert.Equal(s, AmqpEncoder.Decode(encoded));
    }

    [Fact]
    public void Encode_Binary_Vbin8AndVbin32()
    {
        Assert.Equal("A003010203", Hex.Of(Hex.Encode(new byte[] { 1, 2, 3 })));
        var big = new byte[256];
        var encoded = Hex.Encode(big);
        Assert.Equal("B000000100", Hex.Of(encoded.AsSpan(0, 5)));
        Assert.Equal(big, (byte[])AmqpEncoder.Decode(encoded)!);
        Assert.Equal(new byte[] { 9 }, (byte[])AmqpEncoder.Decode(Hex.Encode(new ReadOnlyMemory<byte>(new byte[] { 9 })))!);
    }

    [Fact]
    public void Uuid_IsRfc4122BigEndian()
    {
        var guid = Guid.Parse("00112233-4455-6677-8899-aabbccddeeff");
        Assert.Equal("9800112233445566778899AABBCCDDEEFF", Hex.Of(Hex.Encode(guid)));
        Assert.Equal(guid, AmqpEncoder.Decode(Hex.Bytes("9800112233445566778899AABBCCDDEEFF")));
    }

    [Fact]
    public void Timestamp_IsUnixMillisecondsUtc()
    {
        var t = new DateTimeOffset(2024, 1, 2, 3, 4, 5, 678, TimeSpan.Zero);
        var encoded = Hex.Encode(t);
        Assert.Equal("83" + t.ToUnixTimeMilliseconds().ToString("X16"), Hex.Of(encoded));
        Assert.Equal(t, AmqpEncoder.Decode(encoded));
        Assert.Equal(DateTimeOffset.UnixEpoch, AmqpEncoder.Decode(Hex.Bytes("830000000000000000")));
    }

    [Fact]
    public void Timestamp_OutOfRange_Clamps()
    {
        Assert.Equal(DateTimeOffset.MaxValue, AmqpEncoder.Decode(Hex.Bytes("837FFFFFFFFFFFFFFF")));
        Assert.Equal(DateTimeOffset.MinValue, AmqpEncoder.Decode(Hex.Bytes("838000000000000000")));
    }

    [Fact]
    public void Char_IsUtf32()
    {
        Assert.Equal("730001F600", Hex.Of(Hex.Encode(new Rune(0x1F600))));
        Assert.Equal(new Rune(0x1F600), AmqpEncoder.Decode(Hex.Bytes("730001F600")));
        Assert.Equal(new Rune('A'), Hex.RoundTrip('A'));
        Assert.Throws<AmqpDecodeException>(() => AmqpEncoder.Decode(Hex.Bytes("730000D800")));
    }

    [Fact]
    public void Decimals_AreRawBits()
    {
        Assert.Equal("7401020304", Hex.Of(Hex.Encode(new AmqpDecimal32(0x01020304))));
        Assert.Equal(new AmqpDecimal64(0x0102030405060708), Hex.RoundTrip(new AmqpDecimal64(0x0102030405060708)));
        var d128 = new AmqpDecimal128(0x0102030405060708, 0x090A0B0C0D0E0F10);
        Assert.Equal("940102030405060708090A0B0C0D0E0F10", Hex.Of(Hex.Encode(d128)));
        Assert.Equal(d128, Hex.RoundTrip(d128));
    }

    [Theory]
    [InlineData("5601", true)]
    [InlineData("5600", false)]
    public void Boolean_LongForm_Decodes(string hex, bool expected) => Assert.Equal(expected, AmqpEncoder.Decode(Hex.Bytes(hex)));

    [Fact]
    public void Boolean_LongFormInvalidByte_Throws() =>
        Assert.Throws<AmqpDecodeException>(() => AmqpEncoder.Decode(Hex.Bytes("5602")));

    [Fact]
    public void TypedReads_AcceptEveryEncodingOfTheType()
    {
        foreach (var hex in new[] { "43", "5205", "7000000005" })
        {
            var r = new AmqpReader(Hex.Bytes(hex));
            uint v = r.ReadUInt();
            Assert.True(hex == "43" ? v == 0 : v == 5);
        }

        foreach (var hex in new[] { "44", "5305", "800000000000000005" })
        {
            var r = new AmqpReader(Hex.Bytes(hex));
            ulong v = r.ReadULong();
            Assert.True(hex == "44" ? v == 0 : v == 5);
        }

        var longReader = new AmqpReader(Hex.Bytes("55FB"));
        Assert.Equal(-5L, longReader.ReadLong());
        var intReader = new AmqpReader(Hex.Bytes("54FB"));
        Assert.Equal(-5, intReader.ReadInt());
    }

    [Fact]
    public void TypedRead_WrongType_ThrowsDecodeException()
    {
        Assert.Throws<AmqpDecodeException>(() => new AmqpReader(Hex.Bytes("A100")).ReadUInt());
        Assert.Throws<AmqpDecodeException>(() => new AmqpReader(Hex.Bytes("43")).ReadString());
        Assert.Throws<AmqpDecodeException>(() => new AmqpReader(Hex.Bytes("A301FF")).ReadSymbol());
    }

    [Fact]
    public void WriteSymbol_NonAscii_ThrowsArgumentException()
    {
        Assert.Throws<ArgumentException>(() => AmqpEncoder.Encode(new AmqpSymbol("é")));
    }

    [Fact]
    public void Writer_GrowsPastInitialBuffer()
    {
        var writer = new AmqpWriter(stackalloc byte[4]);
        try
        {
            writer.WriteString(new string('a', 1000));
            Assert.Equal(1005, writer.Length);
            Assert.Equal(new string('a', 1000), AmqpEncoder.Decode(writer.WrittenSpan));
        }
        finally
        {
            writer.Dispose();
        }
    }

    [Fact]
    public void Encode_Utf8String_AllPlanes()
    {
        var s = "a\u00e9\u4e2d\U0001F600";
        Assert.Equal(s, Hex.RoundTrip(s));
        Assert.Equal(Encoding.UTF8.GetByteCount(s) + 2, Hex.Encode(s).Length);
    }
}
