using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace Ferry.Broker;

/// <summary>
/// New lock tokens: random version-4 GUIDs, as <see cref="Guid.NewGuid"/> makes them, drawn from a per-thread block
/// filled by the cryptographic generator 64 at a time.
/// </summary>
/// <remarks>
/// On Linux <see cref="Guid.NewGuid"/> is a <c>read</c> of /dev/urandom per call, a system call per delivery that cost
/// about 2.5 % of the broker's CPU under durable end-to-end load. The tokens stay as unpredictable as before.
/// </remarks>
internal static class LockTokens
{
    private const int BlockSize = 64;

    [ThreadStatic]
    private static Guid[]? t_block;

    [ThreadStatic]
    private static int t_next;

    /// <summary>A token never handed out before; never <see cref="Guid.Empty"/>.</summary>
    public static Guid Next()
    {
        var block = t_block ??= new Guid[BlockSize];
        var next = t_next;
        if (next == 0)
        {
            var bytes = MemoryMarshal.AsBytes(block.AsSpan());
            RandomNumberGenerator.Fill(bytes);
            // RFC 9562 §5.4 in .NET's layout: the version nibble is the high one of byte 7, the variant the top bits of byte 8.
            for (var i = 0; i < BlockSize; i++)
            {
                bytes[(i * 16) + 7] = (byte)((bytes[(i * 16) + 7] & 0x0F) | 0x40);
                bytes[(i * 16) + 8] = (byte)((bytes[(i * 16) + 8] & 0x3F) | 0x80);
            }
        }
        t_next = next + 1 == BlockSize ? 0 : next + 1;
        return block[next];
    }
}
