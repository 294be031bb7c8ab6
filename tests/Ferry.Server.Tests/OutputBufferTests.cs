using System.Buffers;
using Ferry.Server.Amqp;

namespace Ferry.Server.Tests;

/// <summary>
/// A connection keeps a grown output buffer while large passes go on, and drops it after a run of small passes instead
/// of keeping it for the connection's lifetime.
/// </summary>
public sealed class OutputBufferTests
{
    [Fact]
    public void Emptied_AnOrdinaryBuffer_IsKeptAndReset()
    {
        var buffer = new ArrayBufferWriter<byte>(64 * 1024);
        buffer.Write(new byte[200 * 1024]);
        var smallPasses = 0;

        var next = AmqpConnection.Emptied(buffer, ref smallPasses);

        Assert.Same(buffer, next);
        Assert.Equal(0, next.WrittenCount);
    }

    [Fact]
    public void Emptied_ABufferGrownByLargeDeliveries_IsKeptWhileLargePassesGoOn()
    {
        var buffer = Grown();
        var smallPasses = AmqpConnection.SmallPassesBeforeTrim - 1;

        for (var pass = 0; pass < 3 * AmqpConnection.SmallPassesBeforeTrim; pass++)
        {
            buffer.Write(new byte[pass % 2 == 0 ? 3 * 1024 * 1024 : 100]);
            Assert.Same(buffer, AmqpConnection.Emptied(buffer, ref smallPasses));
        }
    }

    [Fact]
    public void Emptied_ABufferGrownByALargeDelivery_IsReplacedByASmallOne_AfterARunOfSmallPasses()
    {
        var buffer = Grown();
        var smallPasses = 0;
        for (var pass = 1; pass < AmqpConnection.SmallPassesBeforeTrim; pass++)
        {
            buffer.Write(new byte[100]);
            Assert.Same(buffer, AmqpConnection.Emptied(buffer, ref smallPasses));
        }

        buffer.Write(new byte[100]);
        var next = AmqpConnection.Emptied(buffer, ref smallPasses);

        Assert.NotSame(buffer, next);
        Assert.Equal(0, next.WrittenCount);
        Assert.InRange(next.Capacity, 1, AmqpConnection.MaxRetainedOutputBuffer);
    }

    private static ArrayBufferWriter<byte> Grown()
    {
        var buffer = new ArrayBufferWriter<byte>(64 * 1024);
        buffer.Write(new byte[3 * 1024 * 1024]);
        buffer.ResetWrittenCount();
        return buffer;
    }
}
