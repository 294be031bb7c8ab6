using System.Buffers;
using BenchmarkDotNet.Attributes;
using Ferry.Amqp;

namespace Ferry.Benchmarks;

/// <summary>Splitting the byte stream into frames and decoding the performative, for a transfer and a disposition.</summary>
[MemoryDiagnoser]
public class FrameBenchmarks
{
    private ReadOnlySequence<byte> _transferFrame;
    private ReadOnlySequence<byte> _dispositionFrame;

    [GlobalSetup]
    public void Setup()
    {
        var message = TypicalMessage.Encode();
        var output = new ArrayBufferWriter<byte>();
        FrameWriter.WriteTransfer(output, 0, new Transfer { Handle = 0, DeliveryId = 42, DeliveryTag = Guid.NewGuid().ToByteArray(), MessageFormat = 0 }, message, 256 * 1024);
        _transferFrame = new ReadOnlySequence<byte>(output.WrittenMemory.ToArray());
        output.ResetWrittenCount();
        FrameWriter.WriteFrame(output, FrameType.Amqp, 0, new Disposition { Role = Role.Receiver, First = 42, Settled = true, State = new Accepted() });
        _dispositionFrame = new ReadOnlySequence<byte>(output.WrittenMemory.ToArray());
    }

    [Benchmark]
    public long ReadTransferFrame()
    {
        var buffer = _transferFrame;
        FrameReader.TryReadFrame(ref buffer, 256 * 1024, out var frame);
        var transfer = (Transfer)frame.ReadPerformative(out var payload);
        return payload.Length + transfer.Handle;
    }

    [Benchmark]
    public uint ReadDispositionFrame()
    {
        var buffer = _dispositionFrame;
        FrameReader.TryReadFrame(ref buffer, 256 * 1024, out var frame);
        return ((Disposition)frame.ReadPerformative(out _)).First;
    }
}
