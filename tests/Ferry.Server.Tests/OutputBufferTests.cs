using System.Buffers;
using Ferry.Server.Amqp;

namespace Ferry.Server.Tests;

/// <summary>A connection keeps its output buffers between write passes only while they are of ordinary size.</summary>
public sealed class OutputBufferTests
{
    [Fact]
    public void Emptied_AnOrdinaryBuffer_IsKeptAndReset()
    {
        var buffer = new ArrayBufferWriter<byte>(64 * 1024);
        buffer.Write(new byte[200 * 1024]);

        var next = AmqpConnection.Emptied(buffer);

        Assert.Same(buffer, next);
        Assert.Equal(0, next.WrittenCount);
    }

    [Fact]
    public void Emptied_ABufferGrownByALargeDelivery_IsReplacedByASmallOne()
    {
        var buffer = new ArrayBufferWriter<byte>(64 * 1024);
        buffer.Write(new byte[3 * 1024 * 1024]);

        var next = AmqpConnection.Emptied(buffer);

        Assert.NotSame(buffer, next);
        Assert.Equal(0, next.WrittenCount);
        Assert.InRange(next.Capacity, 1, AmqpConnection.MaxRetainedOutputBuffer);
    }
}
