using System.Buffers.Binary;
using System.Diagnostics;

namespace Ferry.LoadTest;

/// <summary>Bodies of random bytes whose first 8 bytes are the send time (Stopwatch ticks, little-endian).</summary>
internal sealed class MessageBody
{
    private readonly byte[] _template;

    public MessageBody(int size)
    {
        _template = new byte[size];
        Random.Shared.NextBytes(_template);
    }

    /// <summary>A fresh copy stamped now: the client may hold on to the array until the send completes.</summary>
    public byte[] Stamped()
    {
        var body = (byte[])_template.Clone();
        BinaryPrimitives.WriteInt64LittleEndian(body, Stopwatch.GetTimestamp());
        return body;
    }

    public static long SentAt(ReadOnlySpan<byte> body) => BinaryPrimitives.ReadInt64LittleEndian(body);
}
