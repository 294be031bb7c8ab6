using System.Buffers;
using Ferry.Amqp;

namespace Ferry.Amqp.Tests;

/// <summary>
/// Decoding into reused instances: each decode yields the same object, holding exactly what a fresh decode of that frame
/// holds — nothing of the frame decoded into it before.
/// </summary>
public sealed class ReusablePerformativesTests
{
    private static Performative Read(Performative performative, ReusablePerformatives? reuse, ReadOnlySpan<byte> payload = default)
    {
        var buffer = new ArrayBufferWriter<byte>();
        FrameWriter.WriteFrame(buffer, FrameType.Amqp, 0, performative, payload);
        var sequence = new ReadOnlySequence<byte>(buffer.WrittenSpan.ToArray());
        Assert.True(FrameReader.TryReadFrame(ref sequence, 4096, out var frame));
        return reuse is null ? frame.ReadPerformative(out _) : frame.ReadPerformative(out _, reuse);
    }

    [Fact]
    public void Transfer_DecodedInto_TheSameInstance_KeepsNothingOfTheLastOne()
    {
        var reuse = new ReusablePerformatives();
        var full = new Transfer
        {
            Handle = 7, DeliveryId = 9, DeliveryTag = [1, 2, 3], MessageFormat = 0x80013700, Settled = true, More = true,
            RcvSettleMode = ReceiverSettleMode.Second, State = new Accepted(), Resume = true, Aborted = true, Batchable = true,
        };
        var first = Assert.IsType<Transfer>(Read(full, reuse, [42]));
        Assert.Same(reuse.Transfer, first);
        Assert.Equal(9u, first.DeliveryId);
        Assert.IsType<Accepted>(first.State);
        var tag = first.DeliveryTag;

        var second = Assert.IsType<Transfer>(Read(new Transfer { Handle = 1 }, reuse, [43]));
        var fresh = Assert.IsType<Transfer>(Read(new Transfer { Handle = 1 }, null, [43]));

        Assert.Same(first, second);
        Assert.Equivalent(fresh, second, strict: true);
        Assert.Null(second.DeliveryTag);
        Assert.Equal([1, 2, 3], tag); // a field's object from an earlier frame is not reused
    }

    [Fact]
    public void Disposition_DecodedInto_TheSameInstance_KeepsNothingOfTheLastOne()
    {
        var reuse = new ReusablePerformatives();
        var full = new Disposition { Role = Role.Receiver, First = 3, Last = 8, Settled = true, State = new Accepted(), Batchable = true };
        var first = Assert.IsType<Disposition>(Read(full, reuse));
        Assert.Same(reuse.Disposition, first);
        Assert.Equal(Role.Receiver, first.Role);
        Assert.Equal(8u, first.Last);

        var second = Assert.IsType<Disposition>(Read(new Disposition { First = 4 }, reuse));
        var fresh = Assert.IsType<Disposition>(Read(new Disposition { First = 4 }, null));

        Assert.Same(first, second);
        Assert.Equivalent(fresh, second, strict: true);
        Assert.Equal(Role.Sender, second.Role);
        Assert.Null(second.Last);
        Assert.Null(second.State);
    }

    [Fact]
    public void OtherPerformatives_AreNewEachTime()
    {
        var reuse = new ReusablePerformatives();

        var flow = Read(new Flow { NextIncomingId = 1, IncomingWindow = 10, NextOutgoingId = 1, OutgoingWindow = 10 }, reuse);

        Assert.IsType<Flow>(flow);
        Assert.NotSame(flow, Read(new Flow { NextIncomingId = 1, IncomingWindow = 10, NextOutgoingId = 1, OutgoingWindow = 10 }, reuse));
    }
}
