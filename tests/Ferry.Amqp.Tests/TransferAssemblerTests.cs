using System.Buffers;
using System.Runtime.InteropServices;

namespace Ferry.Amqp.Tests;

/// <summary>Large multi-frame deliveries: assembled byte-exact, one copy into an array the caller keeps, bounded reserve.</summary>
public class TransferAssemblerTests
{
    private const int FramePayload = 256 * 1024 - 64;

    [Fact]
    public void MegabyteMessage_InFramesOfPipeSegments_AssembledByteExact_IntoOneArrayOfItsSize()
    {
        var message = EncodeMessage(1024 * 1024, seed: 1);
        using var assembler = new TransferAssembler(4L * 1024 * 1024);

        var result = AppendInFrames(assembler, message, deliveryId: 3);

        Assert.Equal(TransferResult.Complete, result);
        Assert.True(assembler.Message.Span.SequenceEqual(message));
        // The first frame's section headers sized the array for the whole message: nothing was grown or trimmed.
        Assert.True(MemoryMarshal.TryGetArray(assembler.Message, out var array));
        Assert.Equal(0, array.Offset);
        Assert.Equal(message.Length, array.Array!.Length);
    }

    [Fact]
    public void MegabyteMessage_AllocatesAboutOneCopyOfItself()
    {
        var message = EncodeMessage(1024 * 1024, seed: 2);
        using var assembler = new TransferAssembler(4L * 1024 * 1024);
        AppendInFrames(assembler, EncodeMessage(300_000, seed: 3), deliveryId: 1); // JIT and first-use allocations out of the way
        var frames = Frames(message);

        long before = GC.GetAllocatedBytesForCurrentThread();
        Assert.Equal(TransferResult.Complete, Append(assembler, frames, deliveryId: 2));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.InRange(allocated, message.Length, message.Length + 16 * 1024);
    }

    [Fact]
    public void PayloadWithoutSectionHeaders_GrowsAsFramesArrive_ThenTrimsToTheMessage()
    {
        var payload = new byte[300_000];
        new Random(4).NextBytes(payload);
        payload[0] = 0x45; // list0: a complete value of one byte, so the estimate stops short of the message
        using var assembler = new TransferAssembler(1024 * 1024);

        Assert.Equal(TransferResult.Complete, AppendInFrames(assembler, payload, deliveryId: 1, framePayload: 7_000));

        Assert.True(assembler.Message.Span.SequenceEqual(payload));
        Assert.True(MemoryMarshal.TryGetArray(assembler.Message, out var array));
        Assert.InRange(array.Array!.Length - payload.Length, 0, payload.Length / 8);
    }

    [Fact]
    public void DeclaredLengthFarBeyondWhatArrived_ReservesAtMostEightTimesIt()
    {
        // A data section that claims 50 MB, of which the peer sends 1,000 bytes and then nothing more.
        var first = new byte[1000];
        first[0] = 0x00;
        first[1] = 0x53;
        first[2] = 0x75;
        first[3] = 0xB0;
        first[4] = 0x03;
        first[5] = 0x20;
        using var assembler = new TransferAssembler(100L * 1024 * 1024);
        assembler.Append(new Transfer { DeliveryId = 1, More = true }, new ReadOnlySequence<byte>(new byte[10]));
        assembler.Reset(); // warm up

        long before = GC.GetAllocatedBytesForCurrentThread();
        Assert.Equal(TransferResult.Incomplete, assembler.Append(new Transfer { DeliveryId = 2, More = true }, new ReadOnlySequence<byte>(first)));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.InRange(allocated, first.Length, TransferAssembler.MaxReserveFactor * first.Length + 1024);
    }

    [Fact]
    public void CompletedMessage_IsNotOverwrittenByTheNextDelivery()
    {
        var one = EncodeMessage(600_000, seed: 5);
        var two = EncodeMessage(600_000, seed: 6);
        using var assembler = new TransferAssembler(1024 * 1024);
        AppendInFrames(assembler, one, deliveryId: 1);
        var kept = assembler.Message;

        AppendInFrames(assembler, two, deliveryId: 2);

        Assert.True(kept.Span.SequenceEqual(one));
        Assert.True(assembler.Message.Span.SequenceEqual(two));
    }

    [Fact]
    public void MessageOneByteOverTheLimit_InTheLastFrame_RefusedAndDiscarded()
    {
        var message = EncodeMessage(600_000, seed: 7);
        using var assembler = new TransferAssembler(message.Length - 1);

        var ex = Assert.Throws<AmqpProtocolException>(() => AppendInFrames(assembler, message, deliveryId: 1));

        Assert.Equal(AmqpErrorCode.MessageSizeExceeded, ex.Condition);
        Assert.False(assembler.IsInProgress);
        Assert.True(assembler.Message.IsEmpty);
    }

    /// <summary>A message as a client sends it: properties, then one data section with <paramref name="bodySize"/> random bytes.</summary>
    private static byte[] EncodeMessage(int bodySize, int seed)
    {
        var body = new byte[bodySize];
        new Random(seed).NextBytes(body);
        var writer = new AmqpWriter(bodySize + 256);
        try
        {
            new Properties { MessageId = "large-" + seed }.Encode(ref writer);
            writer.WriteDescriptor(Descriptor.Data);
            writer.WriteBinary(body);
            return writer.ToArray();
        }
        finally
        {
            writer.Dispose();
        }
    }

    private static TransferResult AppendInFrames(TransferAssembler assembler, byte[] message, uint deliveryId, int framePayload = FramePayload) =>
        Append(assembler, Frames(message, framePayload), deliveryId);

    private static TransferResult Append(TransferAssembler assembler, List<(bool More, ReadOnlySequence<byte> Payload)> frames, uint deliveryId)
    {
        var result = TransferResult.Incomplete;
        foreach (var (more, payload) in frames)
            result = assembler.Append(new Transfer { DeliveryId = deliveryId, More = more }, payload);
        return result;
    }

    // Frames of framePayload bytes, each handed over in 4 KB segments as Kestrel's pipe does.
    private static List<(bool More, ReadOnlySequence<byte> Payload)> Frames(byte[] message, int framePayload = FramePayload)
    {
        var frames = new List<(bool, ReadOnlySequence<byte>)>();
        for (int offset = 0; offset < message.Length; offset += framePayload)
        {
            int length = Math.Min(framePayload, message.Length - offset);
            var frame = message.AsSpan(offset, length).ToArray();
            var cuts = Enumerable.Range(1, length / 4096).Select(i => i * 4096 - (offset % 4096)).ToArray();
            frames.Add((offset + length < message.Length, Segments.Split(frame, cuts)));
        }

        return frames;
    }
}
