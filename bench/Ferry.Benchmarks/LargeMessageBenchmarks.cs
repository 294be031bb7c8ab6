using System.Buffers;
using BenchmarkDotNet.Attributes;
using Ferry.Amqp;

namespace Ferry.Benchmarks;

/// <summary>
/// A 1 MB message through the server's AMQP code, both ways. Receiving: the client's bytes as Kestrel's pipe holds them
/// (4 KB segments), cut into frames of the 256 KB max-frame-size, each frame read and its transfer decoded, the payload
/// assembled into the array the broker keeps, then the sections scanned and the message-id read (what
/// ServiceBusMessageCodec.ToIncoming reads). Delivering: the stored message written as transfer frames into an output
/// buffer, as a receiver link does.
/// </summary>
[MemoryDiagnoser]
public class LargeMessageBenchmarks
{
    private const uint MaxFrameSize = 256 * 1024;
    private const int SegmentSize = 4096;

    private ReadOnlySequence<byte> _incoming;
    private byte[] _stored = [];
    private MessageSections _sections;
    private readonly ArrayBufferWriter<byte> _output = new(2 * 1024 * 1024);
    private readonly TransferAssembler _assembler = new(100L * 1024 * 1024);
    private readonly Header _header = new() { DeliveryCount = 0 };
    private readonly Transfer _transfer = new() { Handle = 1, DeliveryId = 7, DeliveryTag = Guid.NewGuid().ToByteArray(), MessageFormat = 0, Settled = false };
    private BrokerAnnotations _annotations;

    [Params(1024 * 1024)]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _stored = TypicalMessage.Encode(Size);
        _sections = MessageSections.Scan(_stored);
        var frames = new ArrayBufferWriter<byte>();
        FrameWriter.WriteTransfer(frames, 0, new Transfer { Handle = 0, DeliveryId = 42, DeliveryTag = Guid.NewGuid().ToByteArray(), MessageFormat = 0 },
            _stored, MaxFrameSize);
        _incoming = SegmentedSequence.Create(frames.WrittenSpan, SegmentSize);
        var now = new DateTimeOffset(2026, 11, 22, 0, 0, 0, TimeSpan.Zero);
        _annotations = new BrokerAnnotations { SequenceNumber = 123456, EnqueuedTime = now, LockedUntil = now.AddMinutes(1) };
    }

    /// <summary>Frames in, the message out as the array the broker would store, its sections scanned.</summary>
    [Benchmark]
    public object? ReceiveMultiFrameTransfer()
    {
        var buffer = _incoming;
        while (FrameReader.TryReadFrame(ref buffer, MaxFrameSize, out var frame))
        {
            var transfer = (Transfer)frame.ReadPerformative(out var payload);
            if (_assembler.Append(transfer, payload) == TransferResult.Complete)
            {
                var message = _assembler.Message;
                var sections = MessageSections.Scan(message.Span);
                return MessageReader.GetMessageId(message.Span, sections);
            }
        }

        throw new InvalidOperationException("The delivery did not complete.");
    }

    /// <summary>The stored message out as transfer frames of at most 256 KB.</summary>
    [Benchmark]
    public int DeliverMultiFrameTransfer()
    {
        _output.ResetWrittenCount();
        return DeliveryWriter.WriteTransfer(_output, 0, _transfer, _stored, _sections, _header, _annotations, MaxFrameSize);
    }
}
