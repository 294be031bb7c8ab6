using Ferry.Amqp;

namespace Ferry.Amqp.Tests;

internal static class Hex
{
    public static byte[] Bytes(string hex) => Convert.FromHexString(hex.Replace(" ", "").Replace("\n", "").Replace("\r", ""));

    public static string Of(ReadOnlySpan<byte> bytes) => Convert.ToHexString(bytes);

    public static byte[] Encode(object? value) => AmqpEncoder.Encode(value);

    public static byte[] Encode(IAmqpComposite composite)
    {
        var writer = new AmqpWriter(16);
        try
        {
            composite.Encode(ref writer);
            return writer.ToArray();
        }
        finally
        {
            writer.Dispose();
        }
    }

    public static object? RoundTrip(object? value) => AmqpEncoder.Decode(AmqpEncoder.Encode(value));
}
