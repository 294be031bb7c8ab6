using System.Buffers;
using System.Runtime.InteropServices;
using System.Text;
using Ferry.Amqp;

namespace Ferry.Amqp.Tests;

public class FrameTests
{
    [Fact]
    public void ProtocolHeaders_HaveSpecBytes()
    {
        var buffer = new ArrayBufferWriter<byte>();
        ProtocolHeader.Amqp.WriteTo(buffer);
        ProtocolHeader.Sasl.WriteTo(buffer);
        ProtocolHeader.Tls.WriteTo(buffer);
        Assert.Equal("414D515000010000" + "414D515003010000" + "414D515002010000", Hex.Of(buffer.WrittenSpan));

        var sequence = new ReadOnlySequence<byte>(buffer.WrittenMemory);
        Assert.True(ProtocolHeader.TryRead(ref sequence, out var a));
        Assert.True(ProtocolHeader.TryRead(ref sequence, out var s));
        Assert.True(ProtocolHeader.TryRead(ref sequence, out var t));
        Assert.Equal(ProtocolHeader.Amqp, a);
        Assert.Equal(ProtocolHeader.Sasl, s);
        Assert.Equal(ProtocolHeader.Tls, t);
        Assert.True(sequence.IsEmpty);
    }

    [Fact]
    public void ProtocolHeader_Incomplete_ReturnsFalse()
    {
        var sequence = new ReadOnlySequence<byte>(Hex.Bytes("414D5150000100"));
        Assert.False(ProtocolHeader.TryRead(ref sequence, out _));
        Assert.Equal(7, sequence.Length);
    }

    [Fact]
    public void ProtocolHeader_NotAmqp_ThrowsFramingError()
    {
        var sequence = new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\n"));
        var ex = Assert.Throws<AmqpDecodeException>(() => ProtocolHeader.TryRead(ref sequence, out _));
        Assert.Equal(AmqpErrorCode.FramingError, ex.Condition);
    }

    [Fact]
    public void EmptyFrame_IsHeartbeat()
    {
        var buffer = new ArrayBufferWriter<byte>();
        FrameWriter.WriteEmptyFrame(buffer);
        Assert.Equal("0000000802000000", Hex.Of(buffer.WrittenSpan));
        var sequence = new ReadOnlySequence<byte>(buffer.WrittenMemory);
        Assert.True(FrameReader.TryReadFrame(ref sequence, 512, out var frame));
        Assert.True(frame.IsEmpty);
        Assert.Equal(FrameType.Amqp, frame.Type);
        Assert.True(sequence.IsEmpty);
    }

    [Fact]
    public void TryReadFrame_Incomplete_ConsumesNothing()
    {
        var bytes = Hex.Bytes("0000000C02000001" + "005317");
        var sequence = new ReadOnlySequence<byte>(bytes);
        Assert.False(FrameReader.TryReadFrame(ref sequence, 512, out _));
        Assert.Equal(bytes.Length, sequence.Length);
        var headerOnly = new ReadOnlySequence<byte>(bytes.AsMemory(0, 5));
        Assert.False(FrameReader.TryReadFrame(ref headerOnly, 512, out _));
    }

    [Theory]
    [InlineData("0000000702000000", "smaller than")]
    [InlineData("0000000801000000", "minimum of 2")]
    [InlineData("0000000803000000", "past the end")]
    [InlineData("0000020102000000", "max-frame-size")]
    [InlineData("FFFFFFFF02000000", "max-frame-size")]
    [InlineData("0000000802020000", "frame type")]
    public void TryReadFrame_BadHeader_ThrowsFramingErrorBeforeBuffering(string header, string message)
    {
        // Only the 8 header bytes are present: the size is rejected without waiting for the body.
        var sequence = new ReadOnlySequence<byte>(Hex.Bytes(header));
        var ex = Assert.Throws<AmqpDecodeException>(() => FrameReader.TryReadFrame(ref sequence, 512, out _));
        Assert.Equal(AmqpErrorCode.FramingError, ex.Condition);
        Assert.Contains(message, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TryReadFrame_ExtendedHeader_IsSkipped()
    {
        // doff 3: four bytes of extended header before the body.
        var bytes = Hex.Bytes("0000001003000005" + "DEADBEEF" + "00531845");
        var sequence = new ReadOnlySequence<byte>(bytes);
        Assert.True(FrameReader.TryReadFrame(ref sequence, 512, out var frame));
        Assert.Equal(5, frame.Channel);
        Assert.Equal("00531845", Hex.Of(frame.Body.ToArray()));
        Assert.IsType<Close>(frame.ReadPerformative(out var payload));
        Assert.True(payload.IsEmpty);
    }

    [Fact]
    public void SaslFrame_TypeOne_ChannelIgnored()
    {
        var buffer = new ArrayBufferWriter<byte>();
        FrameWriter.WriteFrame(buffer, FrameType.Sasl, 7, new SaslOutcome { Code = SaslCode.Ok });
        Assert.Equal("0000001002010000" + "005344C003015000", Hex.Of(buffer.WrittenSpan));
        var sequence = new ReadOnlySequence<byte>(buffer.WrittenMemory);
        Assert.True(FrameReader.TryReadFrame(ref sequence, 512, out var frame));
        Assert.Equal(FrameType.Sasl, frame.Type);
        Assert.Equal(0, frame.Channel);
        var outcome = Assert.IsType<SaslOutcome>(frame.ReadPerformative(out _));
        Assert.Equal(SaslCode.Ok, outcome.Code);
    }

    [Fact]
    public void Transfer_PayloadIsSliceOfInput()
    {
        var buffer = new ArrayBufferWriter<byte>();
        var payloadBytes = Encoding.ASCII.GetBytes("hello world");
        FrameWriter.WriteFrame(buffer, FrameType.Amqp, 3, new Transfer { Handle = 1, DeliveryId = 9, DeliveryTag = [1], MessageFormat = 0 }, payloadBytes);
        var bytes = buffer.WrittenSpan.ToArray();
        var sequence = new ReadOnlySequence<byte>(bytes);
        Assert.True(FrameReader.TryReadFrame(ref sequence, 1024, out var frame));
        Assert.Equal(3, frame.Channel);
        var transfer = Assert.IsType<Transfer>(frame.ReadPerformative(out var payload));
        Assert.Equal(9u, transfer.DeliveryId);
        Assert.Equal(payloadBytes, payload.ToArray());
        Assert.True(MemoryMarshal.TryGetArray(payload.First, out var segment));
        Assert.Same(bytes, segment.Array);
        Assert.Equal(bytes.Length - payloadBytes.Length, segment.Offset);
    }

    [Fact]
    public void Frames_SplitAcrossSegmentsAtEveryPoint_DecodeTheSame()
    {
        var buffer = new ArrayBufferWriter<byte>();
        var payloadBytes = Encoding.ASCII.GetBytes("payload-bytes");
        FrameWriter.WriteFrame(buffer, FrameType.Amqp, 1, new Transfer { Handle = 2, DeliveryId = 300, DeliveryTag = new byte[16], MessageFormat = 0, Settled = false }, payloadBytes);
        FrameWriter.WriteEmptyFrame(buffer);
        FrameWriter.WriteFrame(buffer, FrameType.Amqp, 1, new Flow { IncomingWindow = 5, NextOutgoingId = 1, OutgoingWindow = 5, Handle = 2, LinkCredit = 100 });
        var bytes = buffer.WrittenSpan.ToArray();
        for (int a = 1; a < bytes.Length; a += 3)
        {
            for (int b = a + 1; b < bytes.Length; b += 7)
            {
                var sequence = Segments.Split(bytes, a, b);
                Assert.True(FrameReader.TryReadFrame(ref sequence, 4096, out var f1));
                var transfer = Assert.IsType<Transfer>(f1.ReadPerformative(out var payload));
                Assert.Equal(300u, transfer.DeliveryId);
                Assert.Equal(payloadBytes, payload.ToArray());
                Assert.True(FrameReader.TryReadFrame(ref sequence, 4096, out var f2));
                Assert.True(f2.IsEmpty);
                Assert.True(FrameReader.TryReadFrame(ref sequence, 4096, out var f3));
                Assert.Equal(100u, Assert.IsType<Flow>(f3.ReadPerformative(out _)).LinkCredit);
                Assert.False(FrameReader.TryReadFrame(ref sequence, 4096, out _));
            }
        }
    }

    [Fact]
    public void WriteTransfer_SplitsAtMaxFrameSize_WithMoreOnAllButLast()
    {
        var payloadBytes = new byte[1000];
        new Random(1).NextBytes(payloadBytes);
        var buffer = new ArrayBufferWriter<byte>();
        var transfer = new Transfer { Handle = 0, DeliveryId = 1, DeliveryTag = [7], MessageFormat = 0 };
        int frames = FrameWriter.WriteTransfer(buffer, 0, transfer, payloadBytes, 512);
        Assert.Equal(3, frames);
        Assert.False(transfer.More);

        var sequence = new ReadOnlySequence<byte>(buffer.WrittenMemory);
        var assembled = new List<byte>();
        var mores = new List<bool>();
        while (FrameReader.TryReadFrame(ref sequence, 512, out var frame))
        {
            Assert.True(frame.Body.Length + 8 <= 512);
            var t = Assert.IsType<Transfer>(frame.ReadPerformative(out var payload));
            mores.Add(t.More);
            assembled.AddRange(payload.ToArray());
        }

        Assert.Equal([true, true, false], mores);
        Assert.Equal(payloadBytes, assembled.ToArray());
    }

    [Theory]
    [InlineData(0, 300)]
    [InlineData(1, 300)]
    [InlineData(130, 300)]
    [InlineData(400, 0)]
    [InlineData(90, 1)]
    public void WriteTransfer_HeadAndTail_AtEveryFrameSize_ReassembleByteExact(int headLength, int tailLength)
    {
        var head = new byte[headLength];
        var tail = new byte[tailLength];
        new Random(headLength).NextBytes(head);
        new Random(tailLength + 1).NextBytes(tail);
        byte[] expected = [.. head, .. tail];
        for (uint maxFrameSize = 40; maxFrameSize <= 800; maxFrameSize += 7)
        {
            var buffer = new ArrayBufferWriter<byte>();
            var transfer = new Transfer { Handle = 1, DeliveryId = 9, DeliveryTag = [7, 7], MessageFormat = 0, Settled = true };
            int count = FrameWriter.WriteTransfer(buffer, 3, transfer, head, tail, maxFrameSize);
            Assert.False(transfer.More);

            var sequence = new ReadOnlySequence<byte>(buffer.WrittenMemory);
            var assembled = new List<byte>();
            var mores = new List<bool>();
            while (FrameReader.TryReadFrame(ref sequence, maxFrameSize, out var frame))
            {
                Assert.Equal(3, frame.Channel);
                var t = Assert.IsType<Transfer>(frame.ReadPerformative(out var payload));
                Assert.Equal(9u, t.DeliveryId);
                Assert.True(t.Settled);
                mores.Add(t.More);
                assembled.AddRange(payload.ToArray());
            }

            Assert.True(sequence.IsEmpty);
            Assert.Equal(count, mores.Count);
            Assert.All(mores[..^1], Assert.True);
            Assert.False(mores[^1]);
            Assert.Equal(expected, assembled.ToArray());
        }
    }

    [Fact]
    public void WriteFrame_MultiSegmentPayload()
    {
        var payloadBytes = Encoding.ASCII.GetBytes("0123456789");
        var buffer = new ArrayBufferWriter<byte>();
        FrameWriter.WriteFrame(buffer, FrameType.Amqp, 0, new Transfer { Handle = 0 }, Segments.Split(payloadBytes, 3, 6));
        var sequence = new ReadOnlySequence<byte>(buffer.WrittenMemory);
        Assert.True(FrameReader.TryReadFrame(ref sequence, 512, out var frame));
        frame.ReadPerformative(out var payload);
        Assert.Equal(payloadBytes, payload.ToArray());
    }

    [Fact]
    public void ReadPerformative_EmptyOrGarbageBody_ThrowsDecodeException()
    {
        var empty = new Frame(FrameType.Amqp, 0, ReadOnlySequence<byte>.Empty);
        Assert.Throws<AmqpDecodeException>(() => empty.ReadPerformative(out _));
        var garbage = new Frame(FrameType.Amqp, 0, new ReadOnlySequence<byte>(Hex.Bytes("005399C0")));
        Assert.Throws<AmqpDecodeException>(() => garbage.ReadPerformative(out _));
        var unknown = new Frame(FrameType.Amqp, 0, Segments.Split(Hex.Bytes("005399C00100"), 2));
        Assert.Throws<AmqpDecodeException>(() => unknown.ReadPerformative(out _));
        var truncated = new Frame(FrameType.Amqp, 0, Segments.Split(Hex.Bytes("005310D0000000FF0000"), 3));
        Assert.Throws<AmqpDecodeException>(() => truncated.ReadPerformative(out _));
    }
}
