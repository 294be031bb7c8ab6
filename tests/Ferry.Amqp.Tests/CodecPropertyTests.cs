using FsCheck;
using FsCheck.Xunit;
using Ferry.Amqp;

namespace Ferry.Amqp.Tests;

public class CodecPropertyTests
{
    [Property(Arbitrary = [typeof(AmqpGenerators)], MaxTest = 500)]
    public bool Decode_OfEncode_IsIdentity(GenValue value)
    {
        var encoded = AmqpEncoder.Encode(value.Value);
        var decoded = AmqpEncoder.Decode(encoded);
        return AmqpValueComparer.Instance.Equals(value.Value, decoded)
            && AmqpReader.GetEncodedLength(encoded) == encoded.Length
            && AmqpEncoder.Encode(decoded).AsSpan().SequenceEqual(encoded);
    }

    [Property(Arbitrary = [typeof(AmqpGenerators)], MaxTest = 200)]
    public bool Decode_OfEveryPrefix_ThrowsOnlyDecodeException(GenValue value)
    {
        var encoded = AmqpEncoder.Encode(value.Value);
        for (int cut = 0; cut < encoded.Length; cut++)
        {
            try
            {
                AmqpEncoder.Decode(encoded.AsSpan(0, cut));
                return false;
            }
            catch (AmqpDecodeException)
            {
            }
        }

        return true;
    }

    [Property(MaxTest = 3000)]
    public bool Decode_ArbitraryBytes_ThrowsOnlyDecodeException(byte[] bytes) => DecodesOrThrowsDecodeException(bytes);

    [Property(MaxTest = 3000)]
    public bool Decode_ArbitraryBytesAfterConstructor_ThrowsOnlyDecodeException(byte code, byte[] rest)
    {
        var bytes = new byte[rest.Length + 1];
        bytes[0] = code;
        rest.CopyTo(bytes, 1);
        return DecodesOrThrowsDecodeException(bytes);
    }

    [Property(Arbitrary = [typeof(AmqpGenerators)], MaxTest = 300)]
    public bool Decode_WithOneByteFlipped_ThrowsOnlyDecodeException(GenValue value, int position, byte replacement)
    {
        var encoded = AmqpEncoder.Encode(value.Value);
        encoded[(int)((uint)position % (uint)encoded.Length)] = replacement;
        return DecodesOrThrowsDecodeException(encoded);
    }

    internal static bool DecodesOrThrowsDecodeException(byte[] bytes)
    {
        try
        {
            AmqpEncoder.Decode(bytes);
        }
        catch (AmqpDecodeException)
        {
        }

        try
        {
            var reader = new AmqpReader(bytes);
            Performative.Decode(ref reader);
        }
        catch (AmqpDecodeException)
        {
        }

        try
        {
            MessageSections.Scan(bytes);
        }
        catch (AmqpDecodeException)
        {
        }

        try
        {
            AmqpReader.GetEncodedLength(bytes);
        }
        catch (AmqpDecodeException)
        {
        }

        return true;
    }
}
